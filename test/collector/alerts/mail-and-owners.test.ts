/**
 * Alert mails through a real SMTP server (smtp-server) on 127.0.0.1, and who may see and
 * change subscriptions, on PGlite and PostgreSQL: a new issue's mail opens its thread and the
 * mail saying it is gone answers it (In-Reply-To, References); a regression's mail carries
 * the report (evidence, config diff) and the dashboard links; a submit token sees and
 * deletes only its own subscriptions, an admin every one, a read token none.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultAccess } from '../../../collector/auth/access-options.ts';
import { createToken } from '../../../collector/auth/tokens.ts';
import { settleRegressions } from '../../../collector/regressions/detect.ts';
import { buildApp } from '../../../collector/server/app.ts';
import type { App } from '../../../collector/server/types.ts';
import type { Subscription } from '../../../common/schemas/subscriptions.ts';
import { type Mail, startSmtpReceiver, until } from '../../helpers/alert-receivers.ts';
import { appOn } from '../../helpers/collector-app.ts';
import { backends } from '../../helpers/db.ts';
import { fixtureBytes } from '../../helpers/fixtures.ts';
import { seedRegressedExec } from '../../helpers/regressed-exec.ts';

process.env.BOOTWATCH_ALERT_WINDOW_MS = '100';
process.env.BOOTWATCH_ALERT_RETRY_MS = '200';
process.env.BOOTWATCH_SMTP_TLS = 'off';
process.env.BOOTWATCH_SMTP_FROM = 'bootwatch@lab.example.org';

const BASE = Date.now() - 3 * 3600_000;
const at = (minute: number) => new Date(BASE + minute * 60_000).toISOString();

async function subscribe(app: App, body: Record<string, unknown>, token?: string): Promise<Subscription> {
  const res = await app.inject({
    method: 'POST',
    url: '/api/subscriptions',
    payload: body,
    headers: token ? { authorization: `Bearer ${token}` } : {},
  });
  expect(res.statusCode, res.body).toBe(201);
  return res.json().subscription;
}

describe.each(backends())('alert mails and subscription owners on $name', (backend) => {
  beforeAll(() => backend.setup());
  afterAll(() => backend.teardown());

  it('mails a new issue, threads its "gone" under it, and mails a regression with its report', async () => {
    const smtp = await startSmtpReceiver();
    process.env.BOOTWATCH_SMTP_HOST = '127.0.0.1';
    process.env.BOOTWATCH_SMTP_PORT = String(smtp.port);
    const database = await backend.fresh();
    const app = await appOn(database);
    const base = await app.listen({ host: '127.0.0.1', port: 0 });
    try {
      const issues = await subscribe(app, {
        name: 'mailer issues',
        variants: ['mailer'],
        events: ['issue_new', 'issue_gone'],
        channel: 'email',
        target: 'owner@lab.example.org, list@lists.example.org',
      });
      const regs = await subscribe(app, {
        name: 'exec regressions',
        variants: ['exec'],
        events: ['regression'],
        channel: 'email',
        target: 'exec@lab.example.org',
      });
      const about = (m: Mail, s: string) => m.headers.get('subject')?.includes(s);
      // One issue (a failed mount in an otherwise good boot), then five boots clean of it.
      const c = app.collector;
      await c.importLog(fixtureBytes('logs/03-exec-no-net.log'), {
        variant: 'mailer',
        startedAt: at(0),
        initIsScript: true,
      });
      await settleRegressions(database.db);
      const opened = await until('the new issue mail', () =>
        smtp.mails.find((m) => about(m, 'new issue: mount')),
      );
      for (let i = 1; i <= 5; i++) {
        await c.importLog(fixtureBytes('logs/05-net-e1000.log'), { variant: 'mailer', startedAt: at(i) });
        await settleRegressions(database.db);
      }
      const gone = await until('the gone mail', () =>
        smtp.mails.find((m) => about(m, 'gone after 5 clean boots: mount')),
      );

      expect(opened.from).toBe('bootwatch@lab.example.org');
      expect(opened.to).toEqual(['owner@lab.example.org', 'list@lists.example.org']);
      expect(opened.headers.get('subject')).toBe(
        '[bootwatch] mailer: new issue: mount none on /dev failed (ENODEV)',
      );
      const issueId = /\/issues\/(\d+)/.exec(opened.text)?.[1];
      expect(issueId).toBeDefined();
      expect(opened.headers.get('message-id')).toBe(
        `<bootwatch.issue-${issueId}.s${issues.id}@lab.example.org>`,
      );
      expect(opened.headers.has('in-reply-to')).toBe(false);
      expect(opened.headers.get('x-bootwatch-delivery')).toMatch(/^bootwatch-delivery-\d+$/);
      expect(opened.headers.get('auto-submitted')).toBe('auto-generated');
      expect(opened.text).toContain(`${base}/issues/${issueId}`);
      expect(opened.text).toMatch(/>L88: mount: mounting none on \/dev failed: No such device/);

      expect(gone.headers.get('in-reply-to')).toBe(opened.headers.get('message-id'));
      expect(gone.headers.get('references')).toBe(opened.headers.get('message-id'));
      expect(gone.headers.get('message-id')).toMatch(/^<bootwatch\.delivery-\d+@lab\.example\.org>$/);
      expect(smtp.mails.filter((m) => about(m, 'mount none on /dev')).length).toBe(2);

      await seedRegressedExec(c);
      await settleRegressions(database.db);
      const report = await until('the regression mail', () =>
        smtp.mails.find((m) => m.to.includes('exec@lab.example.org')),
      );
      expect(report.headers.get('subject')).toMatch(/^\[bootwatch\] (\d+ alerts: \d+ regression|exec: )/);
      expect(report.text).toContain('L81: Failed to execute /init (error -2)');
      expect(report.text).toContain('Config diff, baseline -> this (scripts/diffconfig');
      expect(report.text).toContain('CONFIG_BINFMT_SCRIPT');
      expect(report.text).toMatch(new RegExp(`${base}/boots/\\d+`));
      const sent = await app.inject({ url: `/api/subscriptions/${regs.id}/deliveries` });
      expect(sent.json()[0].history[0]).toMatchObject({ ok: true, code: 250 });
      expect(smtp.mails.filter((m) => m.to.includes('exec@lab.example.org')).length).toBe(1);
    } finally {
      await app.close();
      await database.close();
      await smtp.close();
      delete process.env.BOOTWATCH_SMTP_HOST;
    }
  });

  it('a submit token sees and changes only its own subscriptions; an admin all; a read token none', async () => {
    const database = await backend.fresh();
    const app = await buildApp({ database, dashboardDir: null, access: { ...defaultAccess(), auth: true } });
    try {
      const db = database.db;
      const alice = (await createToken(db, 'alice', 'submit')).secret;
      const bob = (await createToken(db, 'bob', 'submit')).secret;
      const admin = (await createToken(db, 'root', 'admin')).secret;
      const reader = (await createToken(db, 'reader', 'read')).secret;
      const as = (t: string) => ({ authorization: `Bearer ${t}` });
      const body = {
        name: 'mine',
        events: ['regression'],
        channel: 'webhook',
        target: 'https://hooks.example.org/a',
      };
      const a = await subscribe(app, body, alice);
      const b = await subscribe(app, { ...body, name: 'bobs' }, bob);
      expect(a.owner).toBe('alice');

      const list = async (t: string) =>
        ((await app.inject({ url: '/api/subscriptions', headers: as(t) })).json() as Subscription[]).map(
          (s) => s.name,
        );
      expect(await list(alice)).toEqual(['mine']);
      expect(await list(bob)).toEqual(['bobs']);
      expect((await list(admin)).sort()).toEqual(['bobs', 'mine']);
      for (const [method, url] of [
        ['GET', `/api/subscriptions/${a.id}`],
        ['GET', `/api/subscriptions/${a.id}/deliveries`],
        ['PATCH', `/api/subscriptions/${a.id}`],
        ['DELETE', `/api/subscriptions/${a.id}`],
      ] as const) {
        const res = await app.inject({
          method,
          url,
          headers: as(bob),
          ...(method === 'PATCH' ? { payload: { enabled: false } } : {}),
        });
        expect(res.statusCode, `${method} ${url} as bob`).toBe(404);
      }
      expect((await app.inject({ url: '/api/subscriptions', headers: as(reader) })).statusCode).toBe(403);
      expect((await app.inject({ url: '/api/subscriptions' })).statusCode).toBe(401);
      // Still there and unchanged after bob's tries; the owner pauses it, an admin deletes it.
      const mine = await app.inject({ url: `/api/subscriptions/${a.id}`, headers: as(alice) });
      expect(mine.json().enabled).toBe(true);
      const paused = await app.inject({
        method: 'PATCH',
        url: `/api/subscriptions/${a.id}`,
        headers: as(alice),
        payload: { enabled: false, variants: ['exec*'] },
      });
      expect(paused.json()).toMatchObject({ enabled: false, variants: ['exec*'] });
      expect(
        (await app.inject({ method: 'DELETE', url: `/api/subscriptions/${b.id}`, headers: as(admin) }))
          .statusCode,
      ).toBe(204);
      expect(await list(bob)).toEqual([]);
      expect(
        (await app.inject({ method: 'DELETE', url: `/api/subscriptions/${a.id}`, headers: as(alice) }))
          .statusCode,
      ).toBe(204);
      expect(await list(admin)).toEqual([]);
    } finally {
      await app.close();
      await database.close();
    }
  });
});
