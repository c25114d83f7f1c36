/**
 * A collector killed between queueing and delivery, on a real PostgreSQL: a real `serve` is
 * sending a digest while the webhook receiver and the SMTP server hold their answer, and
 * has queued the next alert behind it, when it is SIGKILLed. The next `serve` on the same
 * database sends both. Neither HTTP nor SMTP can tell a sender whether a message it sent
 * without hearing the answer arrived, so the interrupted one comes again — with the same
 * X-Bootwatch-Delivery and the same Message-ID, by which the receiver drops it: deduplicated
 * so, every alert arrives exactly once; nothing that was never interrupted comes twice.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type {
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
import { request, type Served, serve } from '../../helpers/cli-process.ts';
import { fixtureBytes } from '../../helpers/fixtures.ts';
import { startPostgres, type TestPostgres } from '../../helpers/postgres.ts';

let pgServer: TestPostgres;
const collectors: Served[] = [];
let smtp: SmtpReceiver;
let hook: HttpReceiver;
let env: Record<string, string>;

beforeAll(async () => {
  pgServer = await startPostgres();
  // The first request and the first mail are held: their sender dies waiting.
  hook = await startHttpReceiver((_r, n) => (n === 1 ? 'hold' : 200));
  smtp = await startSmtpReceiver((_m, n) => n === 1);
  env = {
    DATABASE_URL: await pgServer.createDatabase(),
    HOST: '127.0.0.1',
    // Links name the address people use, whichever process sends.
    BOOTWATCH_PUBLIC_URL: 'https://bootwatch.lab.example.org',
    BOOTWATCH_ALERT_WINDOW_MS: '300',
    BOOTWATCH_ALERT_RETRY_MS: '500',
    BOOTWATCH_ALERT_LEASE_MS: '3000',
    ...smtpEnv(smtp),
  };
}, 120_000);

afterAll(async () => {
  for (const c of collectors) c.child.kill('SIGKILL');
  await Promise.all(collectors.map((c) => c.exited));
  await smtp?.close();
  await hook?.close();
  pgServer?.dispose();
});

async function start(): Promise<Served> {
  const c = await serve(env);
  collectors.push(c);
  return c;
}

describe('a collector killed between queueing and delivery', () => {
  it('the next one sends everything; the receiver drops the one repeat by its stable id', {
    timeout: 300_000,
  }, async () => {
    const first = await start();
    const subscribe = (channel: string, target: string) =>
      request<CreatedSubscription>(first.url, 'POST', '/api/subscriptions', {
        name: channel,
        events: ['issue_new'],
        channel,
        target,
      });
    const web = await subscribe('webhook', `${hook.url}/hook`);
    const mail = await subscribe('email', 'lab@lists.example.org');
    const pending = async (s: CreatedSubscription) =>
      (await request<Subscription>(first.url, 'GET', `/api/subscriptions/${s.subscription.id}`)).pending;

    // Two new issues: one digest each way, held by both receivers.
    await request(first.url, 'POST', '/api/logs?variant=held', fixtureBytes('logs/02-initrd-no-binfmt.log'));
    await until('the digest sent and held', () => hook.received.length === 1 && smtp.mails.length === 1);
    // A third issue, queued behind the sends in flight.
    await request(first.url, 'POST', '/api/logs?variant=queued', fixtureBytes('logs/03-exec-no-net.log'));
    await until(
      'the third alert queued',
      async () => (await pending(web)) === 3 && (await pending(mail)) === 3,
    );
    first.child.kill('SIGKILL');
    await first.exited;
    expect(smtp.mails[0].accepted).toBe(false);

    const second = await start();
    const drained = async (s: CreatedSubscription) => {
      const list = await request<Delivery[]>(
        second.url,
        'GET',
        `/api/subscriptions/${s.subscription.id}/deliveries`,
      );
      return list.length === 2 && list.every((d) => d.status === 'sent') ? list : null;
    };
    const hookSent = await until('the hook deliveries sent', () => drained(web), 60_000);
    const mailSent = await until('the mail deliveries sent', () => drained(mail), 60_000);

    for (const [sent, seen] of [
      [hookSent, hook.received.map((r) => String(r.headers['x-bootwatch-delivery']))],
      [mailSent, smtp.mails.map((m) => m.headers.get('x-bootwatch-delivery')!)],
    ] as const) {
      // The interrupted delivery: its attempt recorded as unknown, then sent again, and seen twice.
      const [queued, held] = sent;
      expect(held.history.map((h) => h.ok)).toEqual([false, true]);
      expect(held.history[0].error).toMatch(/stopped before the outcome was known/);
      expect(held.alerts.length).toBe(2);
      expect(queued.attempts).toBe(1);
      expect(queued.alerts.map((a) => a.title)).toEqual([
        'queued: new issue: mount none on /dev failed (ENODEV)',
      ]);
      // Held first; then the queued one and the repeat, in whichever order the lease allows.
      expect(seen[0]).toBe(held.messageId);
      expect(seen.slice(1).sort()).toEqual([held.messageId, queued.messageId].sort());
    }

    // The webhook: every request signed; by X-Bootwatch-Delivery, each alert once.
    expect(hook.received.every((r) => signatureHolds(r, web.secret!))).toBe(true);
    const byId = new Map(
      hook.received.map((r) => [r.headers['x-bootwatch-delivery'], JSON.parse(r.body) as WebhookPayload]),
    );
    const repeat = hook.received.findLast(
      (r) => r.headers['x-bootwatch-delivery'] === hook.received[0].headers['x-bootwatch-delivery'],
    )!;
    expect(JSON.parse(repeat.body)).toEqual(JSON.parse(hook.received[0].body));
    const hooked = [...byId.values()].flatMap((p) => p.alerts.map((a) => a.id));
    expect(hooked.length).toBe(3);
    expect(new Set(hooked).size).toBe(3);

    // The mail: the repeat has the held mail's Message-ID; accepted, each alert once.
    const [held, ...rest] = smtp.mails;
    const again = rest.find(
      (m) => m.headers.get('x-bootwatch-delivery') === held.headers.get('x-bootwatch-delivery'),
    )!;
    const next = rest.find((m) => m !== again)!;
    expect(again.headers.get('message-id')).toBe(held.headers.get('message-id'));
    expect(again.headers.get('subject')).toBe(held.headers.get('subject'));
    expect(again.text).toBe(held.text);
    expect(next.headers.get('message-id')).not.toBe(held.headers.get('message-id'));
    expect([held, again, next].map((m) => m.accepted)).toEqual([false, true, true]);
    const unique = new Map(smtp.mails.map((m) => [m.headers.get('message-id'), m]));
    expect(unique.size).toBe(2);
    const mailed = mailSent.flatMap((d) => d.alerts.map((a) => a.id));
    expect(new Set(mailed)).toEqual(new Set(hooked));
  });
});
