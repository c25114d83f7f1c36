/**
 * Every alert kind end to end, through a real `serve` on a real PostgreSQL: builds and real
 * console logs go in over HTTP as a runner sends them, and a real SMTP server and a webhook
 * receiver (checking the HMAC signature) on 127.0.0.1 get each alert exactly once — a new
 * regression, a new issue, an issue gone after five clean boots, a boot fixed (both after a
 * regression and for a variant that had never booted), an image grown over its threshold and
 * a build broken.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
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
import { FIXTURES_DIR, fixtureBytes } from '../../helpers/fixtures.ts';
import { startPostgres, type TestPostgres } from '../../helpers/postgres.ts';

const ALL = ['regression', 'issue_new', 'issue_gone', 'boot_fixed', 'size_over', 'build_broken'];

let pgServer: TestPostgres;
let dbUrl: string;
let collector: Served;
let smtp: SmtpReceiver;
let hook: HttpReceiver;

beforeAll(async () => {
  pgServer = await startPostgres();
  dbUrl = await pgServer.createDatabase();
  smtp = await startSmtpReceiver();
  hook = await startHttpReceiver();
  collector = await serve({
    DATABASE_URL: dbUrl,
    HOST: '127.0.0.1',
    BOOTWATCH_ALERT_WINDOW_MS: '300',
    BOOTWATCH_ALERT_RETRY_MS: '500',
    ...smtpEnv(smtp),
  });
}, 120_000);

afterAll(async () => {
  collector?.child.kill('SIGTERM');
  await collector?.exited;
  await smtp?.close();
  await hook?.close();
  pgServer?.dispose();
});

const call = <T>(method: string, path: string, body?: unknown) =>
  request<T>(collector.url, method, path, body);

/** A build of `variant` as a runner reports it, from a real .config. */
function build(variant: string, status: 'PASS' | 'FAIL', image: number) {
  return call<{ id: number }>('POST', '/api/builds', {
    variant,
    matrix: 'seed-ladder',
    arch: 'x86_64',
    status,
    startedAt: new Date().toISOString(),
    config: readFileSync(join(FIXTURES_DIR, 'configs', '03-exec.config'), 'utf8'),
    baseConfig: 'allnoconfig',
    sizes: status === 'PASS' ? { image, text: 2_000_000 } : undefined,
    wallMs: 120_000,
  });
}

/** A real console log imported as a boot of `variant` (of `buildId`). */
function boot(variant: string, log: string, buildId?: number) {
  const q = new URLSearchParams({
    variant,
    initScript: 'true',
    ...(buildId ? { buildId: String(buildId) } : {}),
  });
  return call<{ id: number; outcome: string }>('POST', `/api/logs?${q}`, fixtureBytes(`logs/${log}`));
}

async function drained(id: number): Promise<Delivery[] | null> {
  const sub = await call<Subscription>('GET', `/api/subscriptions/${id}`);
  const list = await call<Delivery[]>('GET', `/api/subscriptions/${id}/deliveries`);
  return sub.pending === 0 && list.length && list.every((d) => d.status !== 'pending') ? list : null;
}

describe('every alert kind through a real collector', () => {
  it('reaches a mail list and a signed webhook exactly once each', { timeout: 300_000 }, async () => {
    const target = { variants: ['exec', 'fresh'], events: ALL };
    const web = await call<CreatedSubscription>('POST', '/api/subscriptions', {
      ...target,
      name: 'lab hook',
      channel: 'webhook',
      target: `${hook.url}/bootwatch`,
    });
    const mail = await call<CreatedSubscription>('POST', '/api/subscriptions', {
      ...target,
      name: 'lab list',
      channel: 'email',
      target: 'kernel@lists.example.org',
    });

    // exec: boots, then a bigger image that panics, a broken build, then a build that boots again.
    const good = await build('exec', 'PASS', 1_000_000);
    await boot('exec', '03-exec-no-net.log', good.id);
    const big = await build('exec', 'PASS', 1_060_000);
    expect((await boot('exec', '02-initrd-no-binfmt.log', big.id)).outcome).toBe('panic');
    await build('exec', 'FAIL', 0);
    const fixed = await build('exec', 'PASS', 1_000_000);
    const execFixed = await boot('exec', '05-net-e1000.log', fixed.id);
    // fresh: never booted until its sixth boot; then five clean boots see its issues gone.
    await boot('fresh', '02-initrd-no-binfmt.log');
    const freshFixed = await boot('fresh', '05-net-e1000.log');
    for (let i = 0; i < 4; i++) await boot('fresh', '05-net-e1000.log');

    const db = new pg.Client({ connectionString: dbUrl });
    await db.connect();
    type Row = { id: number; kind: string; variant: string; title: string; boot: number | null };
    const raised = async () =>
      (
        await db.query<Row>(
          `select id, kind, variant, title, (refs->>'bootId')::int as boot from alerts order by id`,
        )
      ).rows;
    // Analysis runs after each answer: the last boot's issue_gone is the last alert.
    await until(
      'issue_gone raised',
      async () => (await raised()).some((a) => a.kind === 'issue_gone'),
      60_000,
    );
    const hookSent = await until('the hook drained', () => drained(web.subscription.id), 60_000);
    const mailSent = await until('the mails drained', () => drained(mail.subscription.id), 60_000);
    const all = await raised();
    await db.end();

    // Every kind happened, and nothing was raised twice for one event.
    expect(new Set(all.map((a) => a.kind))).toEqual(new Set(ALL));
    const byKind = (k: string) => all.filter((a) => a.kind === k);
    expect(byKind('build_broken').map((a) => a.title)).toEqual(['exec: build broke']);
    expect(byKind('size_over').map((a) => a.variant)).toEqual(['exec']);
    expect(byKind('regression').every((a) => a.variant === 'exec')).toBe(true);
    expect(byKind('regression').some((a) => /outcome booted → panic/.test(a.title))).toBe(true);
    expect(byKind('boot_fixed').map((a) => [a.variant, a.boot])).toEqual([
      ['exec', execFixed.id],
      ['fresh', freshFixed.id],
    ]);
    expect(byKind('boot_fixed')[1].title).toMatch(
      /^fresh: boots again \(the last boot, #\d+, ended panic\)$/,
    );
    expect(byKind('issue_gone').every((a) => a.variant === 'fresh')).toBe(true);
    expect(byKind('issue_gone').length).toBeGreaterThan(0);

    // The webhook: every request signed with its subscription's secret, each alert in exactly one delivery.
    expect(hookSent.every((d) => d.status === 'sent' && d.attempts === 1)).toBe(true);
    expect(hook.received.length).toBe(hookSent.length);
    const payloads = hook.received.map((r) => {
      expect(signatureHolds(r, web.secret!)).toBe(true);
      const p = JSON.parse(r.body) as WebhookPayload;
      expect(r.headers['x-bootwatch-delivery']).toBe(p.id);
      return p;
    });
    const hooked = payloads.flatMap((p) => p.alerts.map((a) => a.id));
    expect([...hooked].sort((x, y) => x - y)).toEqual(all.map((a) => a.id));

    // The mails: one per delivery, each alert in exactly one, each with its own Message-ID.
    expect(mailSent.every((d) => d.status === 'sent' && d.attempts === 1)).toBe(true);
    expect(smtp.mails.length).toBe(mailSent.length);
    expect(smtp.mails.every((m) => m.accepted && m.to.join() === 'kernel@lists.example.org')).toBe(true);
    expect(new Set(smtp.mails.map((m) => m.headers.get('message-id'))).size).toBe(smtp.mails.length);
    const byMessage = new Map(mailSent.map((d) => [d.messageId, d.alerts.map((a) => a.id)]));
    const mailed = smtp.mails.flatMap((m) => byMessage.get(m.headers.get('x-bootwatch-delivery')!) ?? []);
    expect([...mailed].sort((x, y) => x - y)).toEqual(all.map((a) => a.id));
    for (const a of all)
      expect(
        smtp.mails.some((m) => m.text.includes(a.title)),
        `a mail names ${a.title}`,
      ).toBe(true);
  });
});
