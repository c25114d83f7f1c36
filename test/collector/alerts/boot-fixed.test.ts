/**
 * A boot fixed, end to end, on PostgreSQL and on the embedded database: a real `serve`, real
 * console logs imported over its HTTP API, a signature-checking webhook receiver and a real
 * SMTP server on 127.0.0.1, one subscription each way for `boot_fixed` and one for
 * `regression`. `exec` boots, panics twice, then boots again (the regression it opened is
 * fixed); `fresh` panics, then boots for the first time (no baseline, so no regression to
 * fix). `net` and `net-fresh`, streamed as a runner does, always boot but pass, fail and pass
 * their network check (their verdict). Each subscription hears exactly its own kind, once,
 * naming the variant, the boots and the dashboard page.
 */
import { rmSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import type {
  AlertItem,
  CreatedSubscription,
  Delivery,
  Subscription,
  WebhookPayload,
} from '../../../common/schemas/subscriptions.ts';
import {
  type HttpReceiver,
  type SmtpReceiver,
  signatureHolds,
  smtpEnv,
  startHttpReceiver,
  startSmtpReceiver,
  until,
} from '../../helpers/alert-receivers.ts';
import { request } from '../../helpers/cli-process.ts';
import { migratedDataDir } from '../../helpers/db.ts';
import { fixtureBytes } from '../../helpers/fixtures.ts';
import { findPostgresBin, startPostgres, type TestPostgres } from '../../helpers/postgres.ts';
import { type ServeProcess, startServe } from '../../helpers/serve-process.ts';

const servers: TestPostgres[] = [];
const dirs: string[] = [];
const children: ServeProcess[] = [];
const receivers: (HttpReceiver | SmtpReceiver)[] = [];
afterAll(async () => {
  for (const c of children) c.child.kill('SIGKILL');
  await Promise.all(children.map((c) => c.exited));
  await Promise.all(receivers.map((r) => r.close()));
  for (const s of servers) s.dispose();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const modes = [
  { name: 'postgres', available: findPostgresBin() !== null },
  { name: 'pglite', available: true },
];

/** Where the embedded database or a fresh PostgreSQL database is, as `serve`'s environment. */
async function databaseEnv(mode: string): Promise<Record<string, string>> {
  if (mode === 'postgres') {
    const server = await startPostgres();
    servers.push(server);
    return { DATABASE_URL: await server.createDatabase() };
  }
  const dir = await migratedDataDir('bw-boot-fixed-');
  dirs.push(dir);
  return { BOOTWATCH_DATA: dir };
}

describe.each(modes.filter((m) => m.available || process.env.CI))('a boot fixed ($name)', (mode) => {
  it('reaches the boot_fixed subscriptions and only them, once, with its boots and link', {
    timeout: 300_000,
  }, async () => {
    const hook = await startHttpReceiver();
    const smtp = await startSmtpReceiver();
    receivers.push(hook, smtp);
    const collector = await startServe({
      ...(await databaseEnv(mode.name)),
      BOOTWATCH_ALERT_WINDOW_MS: '300',
      BOOTWATCH_ALERT_RETRY_MS: '500',
      // The test polls four subscriptions' deliveries: not the rate limit's subject.
      BOOTWATCH_RATE_LIMIT: '100000',
      ...smtpEnv(smtp),
    });
    children.push(collector);
    const call = <T>(method: string, path: string, body?: unknown) =>
      request<T>(collector.url, method, path, body);
    const subscribe = (kind: string, channel: string, target: string) =>
      call<CreatedSubscription>('POST', '/api/subscriptions', {
        name: `${kind} by ${channel}`,
        events: [kind],
        variants: ['exec', 'fresh', 'net*'],
        channel,
        target,
      });
    const fixedHook = await subscribe('boot_fixed', 'webhook', `${hook.url}/fixed`);
    const regressionHook = await subscribe('regression', 'webhook', `${hook.url}/regression`);
    const fixedMail = await subscribe('boot_fixed', 'email', 'fixed@lab.example.org');
    const regressionMail = await subscribe('regression', 'email', 'regressed@lab.example.org');
    const boot = (variant: string, log: string) =>
      call<{ id: number; outcome: string }>(
        'POST',
        `/api/logs?variant=${variant}&initScript=true`,
        fixtureBytes(`logs/${log}`),
      );

    const good = await boot('exec', '05-net-e1000.log');
    const broke = await boot('exec', '02-initrd-no-binfmt.log');
    const still = await boot('exec', '02-initrd-no-binfmt.log');
    const fixed = await boot('exec', '05-net-e1000.log');
    const neverBooted = await boot('fresh', '02-initrd-no-binfmt.log');
    const firstGood = await boot('fresh', '05-net-e1000.log');
    // Boots that reach userspace either way, failing or passing their network check, as a runner streams them.
    const log = fixtureBytes('logs/05-net-e1000.log');
    const checked = async (variant: string, ok: boolean) => {
      const { id } = await call<{ id: number }>('POST', '/api/boots', { target: 'qemu', variant });
      await call('POST', `/api/boots/${id}/console?offset=0`, log);
      await call('POST', `/api/boots/${id}/finish`, {
        endReason: 'marker',
        consoleBytes: log.length,
        checks: [{ name: 'net', ok, detail: ok ? 'answered on port 8080' : 'no answer on port 8080' }],
      });
      return id;
    };
    const netPassed = await checked('net', true);
    const netFailed = await checked('net', false);
    const netFixed = await checked('net', true);
    const netNeverPassed = await checked('net-fresh', false);
    const netFirstPass = await checked('net-fresh', true);
    expect([good, broke, still, fixed, neverBooted, firstGood].map((b) => b.outcome)).toEqual([
      'booted',
      'panic',
      'panic',
      'booted',
      'panic',
      'booted',
    ]);

    /** The subscription's deliveries once all are sent and they carry alerts about each of `bootIds`. */
    const delivered = async (s: CreatedSubscription, bootIds: number[]): Promise<Delivery[] | null> => {
      const sub = await call<Subscription>('GET', `/api/subscriptions/${s.subscription.id}`);
      const list = await call<Delivery[]>('GET', `/api/subscriptions/${s.subscription.id}/deliveries`);
      const about = new Set(list.flatMap((d) => (d.status === 'sent' ? d.alerts.map((a) => a.bootId) : [])));
      return sub.pending === 0 &&
        list.every((d) => d.status === 'sent') &&
        bootIds.every((id) => about.has(id))
        ? list
        : null;
    };
    const fixes = [fixed.id, firstGood.id, netFixed, netFirstPass];
    const breaks = [broke.id, netFailed];
    const [fixedSent, regressionSent, fixedMailed, regressionMailed] = await Promise.all([
      until('the boot_fixed alerts delivered to the hook', () => delivered(fixedHook, fixes), 60_000),
      until('the regressions delivered to the hook', () => delivered(regressionHook, breaks), 60_000),
      until('the boot_fixed alerts mailed', () => delivered(fixedMail, fixes), 60_000),
      until('the regressions mailed', () => delivered(regressionMail, breaks), 60_000),
    ]);

    // The hook: signed, each alert in exactly one request, each path only its own kind.
    const payloads = (path: string, secret: string) =>
      hook.received
        .filter((r) => r.path === path)
        .map((r) => {
          expect(signatureHolds(r, secret)).toBe(true);
          return JSON.parse(r.body) as WebhookPayload;
        });
    const fixedPayloads = payloads('/fixed', fixedHook.secret!);
    const regressionPayloads = payloads('/regression', regressionHook.secret!);
    expect(fixedPayloads.length).toBe(fixedSent.length);
    expect(regressionPayloads.length).toBe(regressionSent.length);
    const allFixed = fixedPayloads.flatMap((p) => p.alerts).sort((a, b) => a.id - b.id);
    const fixedAlerts = allFixed.filter((a) => a.variant === 'exec' || a.variant === 'fresh');
    const allRegressions = regressionPayloads.flatMap((p) => p.alerts).sort((a, b) => a.id - b.id);
    const regressions = allRegressions.filter((a) => a.variant === 'exec');
    expect(fixedAlerts.length).toBe(2);

    const page = (bootId: number) => `${collector.url}/boots/${bootId}`;
    // The regressions: all of exec's boot that broke (the second panic is the same ones, said
    // once; fresh's first good boot regresses nothing against its panic).
    for (const r of regressions)
      expect(r).toMatchObject<Partial<AlertItem>>({
        kind: 'regression',
        variant: 'exec',
        bootId: broke.id,
        url: page(broke.id),
      });
    const outcome = regressions.filter((r) => /^exec: outcome booted → panic: /.test(r.title));
    expect(outcome.length).toBe(1);
    const [regression] = outcome;

    // The fixes: exec's fixing boot closes that regression; fresh's first good boot names the failed one.
    expect(fixedAlerts.map((a) => [a.kind, a.variant, a.bootId, a.url])).toEqual([
      ['boot_fixed', 'exec', fixed.id, page(fixed.id)],
      ['boot_fixed', 'fresh', firstGood.id, page(firstGood.id)],
    ]);
    const [execFixed, freshFixed] = fixedAlerts;
    expect(execFixed.regressionId).toBe(regression.regressionId);
    expect(execFixed.title).toMatch(/^exec: boots again \(outcome booted → panic: .* fixed\)$/);
    expect(freshFixed.title).toBe(`fresh: boots again (the last boot, #${neverBooted.id}, ended panic)`);

    // A boot that booted but failed a check its last boot passed is a regression; passing it again, a fix.
    const netRegressions = allRegressions.filter((a) => a.variant !== 'exec');
    expect(netRegressions.map((a) => [a.kind, a.variant, a.bootId, a.title, a.url])).toEqual([
      ['regression', 'net', netFailed, 'net: check net failed: no answer on port 8080', page(netFailed)],
    ]);
    expect(
      allFixed.filter((a) => a.variant?.startsWith('net')).map((a) => [a.variant, a.bootId, a.title]),
    ).toEqual([
      ['net', netFixed, 'net: passes again (check net failed: no answer on port 8080 fixed)'],
      [
        'net-fresh',
        netFirstPass,
        `net-fresh: passes again (the last boot, #${netNeverPassed}, failed check net)`,
      ],
    ]);
    expect(allFixed.find((a) => a.bootId === netFixed)?.regressionId).toBe(netRegressions[0].regressionId);
    // The first boot passed, and a failing boot before any that passed regresses nothing.
    expect(
      [...allFixed, ...allRegressions].some((a) => a.bootId === netPassed || a.bootId === netNeverPassed),
    ).toBe(false);

    const fixedText = fixedPayloads.map((p) => p.text).join('\n');
    for (const a of fixedAlerts) expect(fixedText).toContain(page(a.bootId!));

    // The mails: the same alerts, to their own list, each with its link.
    const mailsTo = (to: string) => smtp.mails.filter((m) => m.to.join() === to);
    const fixedMails = mailsTo('fixed@lab.example.org');
    const regressionMails = mailsTo('regressed@lab.example.org');
    expect(smtp.mails.every((m) => m.accepted)).toBe(true);
    expect(fixedMails.length + regressionMails.length).toBe(smtp.mails.length);
    const ids = (list: Delivery[]) => list.flatMap((d) => d.alerts.map((a) => a.id)).sort((a, b) => a - b);
    expect(ids(fixedMailed)).toEqual(allFixed.map((a) => a.id));
    expect(ids(regressionMailed)).toEqual(allRegressions.map((a) => a.id));
    expect(fixedMails.length).toBe(fixedMailed.length);
    expect(regressionMails.length).toBe(regressionMailed.length);
    const fixedMailText = fixedMails.map((m) => m.text).join('\n');
    for (const a of fixedAlerts) expect(fixedMailText).toContain(page(a.bootId!));
    // A fixed regression reads as `bootwatch report` says it; a first good boot by its title.
    expect(fixedMailText).toMatch(
      new RegExp(`Fixed:\\n\\s+exec: outcome booted → panic: .*\\(boot #${fixed.id}\\)`),
    );
    expect(fixedMailText).toContain(freshFixed.title);
    const regressionMailText = regressionMails.map((m) => m.text).join('\n');
    expect(regressionMailText).toContain(regression.title.replace(/^exec: /, ''));
    expect(regressionMailText).toContain(page(broke.id));
  });
});
