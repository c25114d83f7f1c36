/**
 * Alerts over HTTP against real receivers on 127.0.0.1, on PGlite and PostgreSQL: a real
 * regression (the seed ladder's exec variant panicking) reaches a generic webhook whose
 * HMAC signature checks out — after it failed twice, retried with backoff and every
 * attempt visible — and Slack and Matrix endpoints in their own body shapes; alerts that
 * fire together go out as one digest; a second boot with the same failures alerts nobody.
 */
import { count } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alerts } from '../../../collector/db/schema/index.ts';
import { settleRegressions } from '../../../collector/regressions/detect.ts';
import type { App } from '../../../collector/server/types.ts';
import type { CreatedSubscription, Delivery, WebhookPayload } from '../../../common/schemas/subscriptions.ts';
import { signatureHolds, startHttpReceiver, until } from '../../helpers/alert-receivers.ts';
import { appOn } from '../../helpers/collector-app.ts';
import { backends } from '../../helpers/db.ts';
import { fixtureBytes } from '../../helpers/fixtures.ts';
import { seedRegressedExec } from '../../helpers/regressed-exec.ts';

process.env.BOOTWATCH_ALERT_WINDOW_MS = '300';
process.env.BOOTWATCH_ALERT_RETRY_MS = '200';

const ALL = ['regression', 'issue_new', 'issue_gone', 'boot_fixed', 'size_over', 'build_broken'];

async function subscribe(app: App, body: Record<string, unknown>): Promise<CreatedSubscription> {
  const res = await app.inject({ method: 'POST', url: '/api/subscriptions', payload: body });
  expect(res.statusCode, res.body).toBe(201);
  return res.json();
}

async function deliveries(app: App, id: number): Promise<Delivery[]> {
  const res = await app.inject({ url: `/api/subscriptions/${id}/deliveries` });
  expect(res.statusCode, res.body).toBe(200);
  return res.json();
}

/** True once nothing is left to send to the subscription. */
async function drained(app: App, id: number): Promise<Delivery[] | null> {
  const sub = (await app.inject({ url: `/api/subscriptions/${id}` })).json();
  const list = await deliveries(app, id);
  return sub.pending === 0 && list.length && list.every((d) => d.status !== 'pending') ? list : null;
}

describe.each(backends())('alerts over HTTP on $name', (backend) => {
  beforeAll(() => backend.setup());
  afterAll(() => backend.teardown());

  it('refuses targets a channel cannot use, and never shows a secret again', async () => {
    const database = await backend.fresh();
    const app = await appOn(database);
    try {
      for (const [channel, target] of [
        ['webhook', 'ftp://example.org/hook'],
        ['slack', 'file:///etc/passwd'],
        ['matrix', 'not a url'],
        ['email', 'alice@example.org, bob'],
      ]) {
        const res = await app.inject({
          method: 'POST',
          url: '/api/subscriptions',
          payload: { name: 'x', events: ['regression'], channel, target },
        });
        expect(res.statusCode, `${channel} ${target}`).toBe(400);
        expect(res.json().error.code).toBe('input.invalid');
      }
      const bad = await app.inject({
        method: 'POST',
        url: '/api/subscriptions',
        payload: { name: 'x', events: ['everything'], channel: 'webhook', target: 'http://127.0.0.1/' },
      });
      expect(bad.statusCode).toBe(400);
      const { subscription, secret } = await subscribe(app, {
        name: 'hook',
        events: ['regression'],
        channel: 'webhook',
        target: 'https://hooks.example.org/x',
      });
      expect(secret).toMatch(/^whsec_[\w-]{43}$/);
      const mail = await subscribe(app, {
        name: 'list',
        events: ['regression'],
        channel: 'email',
        target: 'kernel@lists.example.org',
      });
      expect(mail.secret).toBeNull();
      for (const url of ['/api/subscriptions', `/api/subscriptions/${subscription.id}`]) {
        const body = (await app.inject({ url })).body;
        expect(body).not.toContain(secret);
        expect(body).not.toContain('whsec_');
      }
      expect((await app.inject({ method: 'GET', url: '/api/subscriptions/9999' })).statusCode).toBe(404);
      const patched = await app.inject({
        method: 'PATCH',
        url: `/api/subscriptions/${subscription.id}`,
        payload: { target: 'gopher://x' },
      });
      expect(patched.statusCode).toBe(400);
    } finally {
      await app.close();
      await database.close();
    }
  });

  it('delivers a real regression: signed, retried with backoff, digested, Slack and Matrix bodies, once per issue', async () => {
    // The generic hook fails the first delivery twice, then takes it.
    const tries = new Map<string, number>();
    let firstId: string | null = null;
    const hook = await startHttpReceiver((r) => {
      const id = String(r.headers['x-bootwatch-delivery']);
      firstId ??= id;
      tries.set(id, (tries.get(id) ?? 0) + 1);
      return id === firstId && tries.get(id)! <= 2 ? 503 : 200;
    });
    const chat = await startHttpReceiver();
    const database = await backend.fresh();
    const app = await appOn(database);
    try {
      const generic = await subscribe(app, {
        name: 'exec owners',
        variants: ['ex*'],
        arches: ['x86_64'],
        events: ALL,
        channel: 'webhook',
        target: `${hook.url}/hook`,
      });
      const slack = await subscribe(app, {
        name: 'slack',
        matrices: ['seed-*'],
        events: ['regression'],
        channel: 'slack',
        target: `${chat.url}/services/T0/B0/x`,
      });
      const matrix = await subscribe(app, {
        name: 'matrix',
        events: ['regression', 'issue_new'],
        channel: 'matrix',
        target: `${chat.url}/_matrix/client/v3/rooms/!lab:example.org/send/m.room.message`,
      });
      // Matches nothing: another variant, another arch.
      const other = await subscribe(app, {
        name: 'arm',
        variants: ['ex*'],
        arches: ['arm64'],
        events: ALL,
        channel: 'webhook',
        target: `${chat.url}/never`,
      });

      await seedRegressedExec(app.collector);
      await settleRegressions(database.db);
      const sent = await until('every generic delivery sent', () => drained(app, generic.subscription.id));

      // Every request signed with the secret shown at creation, and named by its delivery.
      expect(hook.received.length).toBeGreaterThanOrEqual(3);
      for (const r of hook.received) {
        expect(signatureHolds(r, generic.secret!)).toBe(true);
        expect(signatureHolds(r, slack.secret!)).toBe(false);
        const body = JSON.parse(r.body) as WebhookPayload;
        expect(r.headers['x-bootwatch-delivery']).toBe(body.id);
        expect(r.headers['content-type']).toBe('application/json');
      }
      // The first delivery failed twice and went through on the third try, the same message each time.
      const first = sent.find((d) => d.messageId === firstId)!;
      expect(first.status).toBe('sent');
      expect(first.attempts).toBe(3);
      expect(first.history.map((h) => [h.ok, h.code])).toEqual([
        [false, 503],
        [false, 503],
        [true, 200],
      ]);
      expect(first.history[0].response).toBe('try again');
      expect(hook.received.filter((r) => r.headers['x-bootwatch-delivery'] === firstId).length).toBe(3);
      // Backoff: never sooner than the base wait, then double it.
      const at = first.history.map((h) => Date.parse(h.at));
      expect(at[1] - at[0]).toBeGreaterThanOrEqual(200);
      expect(at[2] - at[1]).toBeGreaterThanOrEqual(400);

      // Each alert reached the hook in exactly one delivery; those that fired together came as a digest.
      const payloads = [
        ...new Map(hook.received.map((r) => [r.headers['x-bootwatch-delivery'], r])).values(),
      ].map((r) => JSON.parse(r.body) as WebhookPayload);
      const alertIds = payloads.flatMap((p) => p.alerts.map((a) => a.id));
      expect(alertIds.length).toBe(new Set(alertIds).size);
      expect(sent.flatMap((d) => d.alerts.map((a) => a.id)).sort()).toEqual([...alertIds].sort());
      const kinds = new Set(payloads.flatMap((p) => p.alerts.map((a) => a.kind)));
      expect(kinds).toEqual(new Set(['regression', 'size_over', 'issue_new']));
      const digest = payloads.find((p) => p.digest)!;
      expect(digest.alerts.length).toBeGreaterThan(1);
      expect(digest.text).toMatch(/^\d+ alerts fired together:/);
      // The report: the evidence line, the diagnosis, the config diff; the console around a new issue.
      const text = payloads.map((p) => p.text).join('\n');
      expect(text).toContain('L81: [    0.296411] Failed to execute /init (error -2)');
      expect(text).toContain('CONFIG_BINFMT_SCRIPT');
      expect(text).toContain('Config diff, baseline -> this');
      expect(text).toMatch(/>L88: mount: mounting none on \/dev failed: No such device/);
      for (const a of payloads.flatMap((p) => p.alerts)) {
        expect(a.variant).toBe('exec');
        expect(a.matrix).toBe('seed-ladder');
        expect(a.arch).toBe('x86_64');
      }

      // Slack and Matrix: their own bodies, only the kinds they asked for.
      await until(
        'slack and matrix sent',
        async () =>
          (await drained(app, slack.subscription.id)) && (await drained(app, matrix.subscription.id)),
      );
      const slackBodies = chat.received.filter((r) => r.path.startsWith('/services/'));
      expect(slackBodies.length).toBeGreaterThan(0);
      for (const r of slackBodies) {
        expect(r.method).toBe('POST');
        const b = JSON.parse(r.body);
        expect(b.text).toMatch(/^\[bootwatch\] /);
        expect(b.blocks[0].type).toBe('header');
        expect(b.blocks[1].text.type).toBe('mrkdwn');
      }
      const matrixBodies = chat.received.filter((r) => r.path.startsWith('/_matrix/'));
      expect(matrixBodies.length).toBeGreaterThan(0);
      for (const r of matrixBodies) {
        // The Matrix client-server send: PUT with the delivery as transaction id, so a repeat is a no-op.
        expect(r.method).toBe('PUT');
        expect(r.path).toMatch(/\/send\/m\.room\.message\/bootwatch-delivery-\d+$/);
        expect(r.path).toContain(String(r.headers['x-bootwatch-delivery']));
        const b = JSON.parse(r.body);
        expect(b.msgtype).toBe('m.text');
        expect(b.format).toBe('org.matrix.custom.html');
        expect(b.formatted_body).toContain('<pre><code>');
        expect(b.body).toContain('[bootwatch]');
      }
      expect(chat.received.some((r) => r.path === '/never')).toBe(false);
      expect(await deliveries(app, other.subscription.id)).toEqual([]);

      // The same failures in another boot: no alert is raised again (one per issue and regression).
      const [{ n: before }] = await database.db.select({ n: count() }).from(alerts);
      const again = await app.collector.importLog(fixtureBytes('logs/02-initrd-no-binfmt.log'), {
        variant: 'exec',
        initIsScript: true,
      });
      expect(again.id).toBeGreaterThan(0);
      await settleRegressions(database.db);
      const [{ n: after }] = await database.db.select({ n: count() }).from(alerts);
      expect(after).toBe(before);
      const sub = (await app.inject({ url: `/api/subscriptions/${generic.subscription.id}` })).json();
      expect(sub.pending).toBe(0);
      expect(sub.lastDelivery.status).toBe('sent');
    } finally {
      await app.close();
      await database.close();
      await hook.close();
      await chat.close();
    }
  });
});
