/**
 * Alert latency (issue 14): from a regression's detection (its alert row's creation time) to
 * the webhook request arriving at a receiver on 127.0.0.1, and to the mail being accepted by
 * an SMTP server on 127.0.0.1, through the real collector on the embedded database, with the
 * default digest window (BOOTWATCH_ALERT_WINDOW_MS, which the figure includes by design).
 */
import { PGlite } from '@electric-sql/pglite';
import { openDatabase } from '../collector/db/client.ts';
import { settleRegressions } from '../collector/regressions/detect.ts';
import { buildApp } from '../collector/server/app.ts';
import { setting } from '../common/settings.ts';
import type { CreatedSubscription, Delivery } from '../common/types/api.ts';
import { startHttpReceiver, startSmtpReceiver, until } from '../test/helpers/alert-receivers.ts';
import { fixtureBytes } from '../test/helpers/fixtures.ts';
import type { Benchmark } from './run.ts';

const RUNS = 12;

const p95 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.ceil(xs.length * 0.95) - 1];

export const alertsBenchmark: Benchmark = {
  name: 'alerts',
  description: "a regression's detection to its webhook arriving and its mail accepted",
  async run(report) {
    const smtp = await startSmtpReceiver();
    const arrivals = new Map<string, number>();
    const hook = await startHttpReceiver((r) => {
      arrivals.set(String(r.headers['x-bootwatch-delivery']), Date.now());
      return 200;
    });
    const env = { ...process.env };
    Object.assign(process.env, {
      BOOTWATCH_SMTP_HOST: '127.0.0.1',
      BOOTWATCH_SMTP_PORT: String(smtp.port),
      BOOTWATCH_SMTP_TLS: 'off',
    });
    const database = await openDatabase({ pglite: new PGlite() });
    const app = await buildApp({ database, ownDatabase: true, dashboardDir: null });
    try {
      const subscribe = async (channel: string, target: string) =>
        (
          (
            await app.inject({
              method: 'POST',
              url: '/api/subscriptions',
              payload: { name: channel, events: ['regression'], channel, target },
            })
          ).json() as CreatedSubscription
        ).subscription.id;
      const webhook = await subscribe('webhook', `${hook.url}/hook`);
      const mail = await subscribe('email', 'bench@example.org');
      const good = fixtureBytes('logs/03-exec-no-net.log');
      const bad = fixtureBytes('logs/02-initrd-no-binfmt.log');
      const deliveries = async (id: number) =>
        (await app.inject({ url: `/api/subscriptions/${id}/deliveries?limit=500` })).json() as Delivery[];
      for (let i = 0; i < RUNS; i++) {
        const variant = `bench-${i}`;
        await app.collector.importLog(good, { variant, initIsScript: true });
        await settleRegressions(database.db);
        await app.collector.importLog(bad, { variant, initIsScript: true });
        await until(
          'both deliveries',
          async () =>
            (await deliveries(webhook)).length > i &&
            (await deliveries(mail)).length > i &&
            (await deliveries(webhook)).every((d) => d.status === 'sent') &&
            (await deliveries(mail)).every((d) => d.status === 'sent'),
          60_000,
        );
      }
      const detected = (d: Delivery) => Math.min(...d.alerts.map((a) => Date.parse(a.createdAt)));
      const hookMs = (await deliveries(webhook)).map((d) => arrivals.get(d.messageId)! - detected(d));
      const mailAt = new Map(smtp.mails.map((m) => [m.headers.get('x-bootwatch-delivery')!, m.receivedAt]));
      const mailMs = (await deliveries(mail)).map((d) => mailAt.get(d.messageId)! - detected(d));
      report({ name: 'alert-webhook-p95', value: p95(hookMs), unit: 'ms', target: '< 2000' });
      report({ name: 'alert-mail-p95', value: p95(mailMs), unit: 'ms' });
      report({ name: 'alert-window', value: setting('BOOTWATCH_ALERT_WINDOW_MS'), unit: 'ms' });
    } finally {
      await app.close();
      await hook.close();
      await smtp.close();
      for (const k of ['BOOTWATCH_SMTP_HOST', 'BOOTWATCH_SMTP_PORT', 'BOOTWATCH_SMTP_TLS'])
        if (env[k] === undefined) delete process.env[k];
        else process.env[k] = env[k];
    }
  },
};
