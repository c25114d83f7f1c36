/**
 * The outbox survives the collector: a real `serve` (on PostgreSQL, and on its embedded
 * database) queues an alert, is killed with SIGKILL before the alert's digest window ends,
 * and the next `serve` on the same database sends it — once: a third collector sends what
 * comes next and nothing of what was sent before.
 */
import { rmSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import type { Delivery, Subscription } from '../../../common/schemas/subscriptions.ts';
import { startHttpReceiver, until } from '../../helpers/alert-receivers.ts';
import { request } from '../../helpers/cli-process.ts';
import { migratedDataDir } from '../../helpers/db.ts';
import { fixtureBytes } from '../../helpers/fixtures.ts';
import { findPostgresBin, startPostgres, type TestPostgres } from '../../helpers/postgres.ts';
import { type ServeProcess, startServe } from '../../helpers/serve-process.ts';

const servers: TestPostgres[] = [];
const dirs: string[] = [];
const children: ServeProcess[] = [];
afterAll(() => {
  for (const c of children) c.child.kill('SIGKILL');
  for (const s of servers) s.dispose();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const modes = [
  { name: 'postgres', available: findPostgresBin() !== null },
  { name: 'pglite', available: true },
];

describe.each(modes.filter((m) => m.available || process.env.CI))(
  'alert outbox across restarts ($name)',
  (mode) => {
    it('a collector killed before sending loses nothing, and the next ones send nothing twice', {
      timeout: 300_000,
    }, async () => {
      const receiver = await startHttpReceiver();
      const env: Record<string, string> = {
        BOOTWATCH_ALERT_WINDOW_MS: '8000',
        BOOTWATCH_ALERT_RETRY_MS: '500',
      };
      if (mode.name === 'postgres') {
        const pg = await startPostgres();
        servers.push(pg);
        env.DATABASE_URL = await pg.createDatabase();
      } else {
        const dir = await migratedDataDir('bw-alerts-restart-');
        dirs.push(dir);
        env.BOOTWATCH_DATA = dir;
      }
      const serve = async (more: Record<string, string> = {}) => {
        const s = await startServe({ ...env, ...more });
        children.push(s);
        return s;
      };
      try {
        const first = await serve();
        const { subscription } = await request<{ subscription: Subscription }>(
          first.url,
          'POST',
          '/api/subscriptions',
          {
            name: 'lab',
            events: ['issue_new'],
            channel: 'webhook',
            target: `${receiver.url}/hook`,
          },
        );
        const log = fixtureBytes('logs/03-exec-no-net.log');
        await request(first.url, 'POST', '/api/logs?variant=first', log);
        await until(
          'the alert queued',
          async () =>
            (await request<Subscription>(first.url, 'GET', `/api/subscriptions/${subscription.id}`))
              .pending === 1,
        );
        first.child.kill('SIGKILL');
        await first.exited;
        expect(receiver.received).toEqual([]);

        const second = await serve();
        const sent = await until('the delivery sent by the second collector', async () =>
          (
            await request<Delivery[]>(second.url, 'GET', `/api/subscriptions/${subscription.id}/deliveries`)
          ).find((d) => d.status === 'sent'),
        );
        expect(sent.attempts).toBe(1);
        expect(sent.alerts.map((a) => a.title)).toEqual([
          'first: new issue: mount none on /dev failed (ENODEV)',
        ]);
        expect(receiver.received.length).toBe(1);
        second.child.kill('SIGKILL');
        await second.exited;

        // A third collector: the next alert goes out, the first is not sent again. Nothing races
        // its window (an alert's due time is stored when it is raised): the default 1 s will do.
        const third = await serve({ BOOTWATCH_ALERT_WINDOW_MS: '1000' });
        await request(third.url, 'POST', '/api/logs?variant=second', log);
        await until('the second alert', () => receiver.received.length >= 2);
        // The receiver can have it a moment before the sender records the answer.
        const list = await until('both deliveries recorded', async () => {
          const l = await request<Delivery[]>(
            third.url,
            'GET',
            `/api/subscriptions/${subscription.id}/deliveries`,
          );
          return l.every((d) => d.status !== 'pending') ? l : null;
        });
        expect(list.map((d) => [d.status, d.attempts])).toEqual([
          ['sent', 1],
          ['sent', 1],
        ]);
        const ids = receiver.received.map((r) => r.headers['x-bootwatch-delivery']);
        expect(ids).toEqual([list[1].messageId, list[0].messageId]);
        third.child.kill('SIGTERM');
        await third.exited;
      } finally {
        await receiver.close();
      }
    });
  },
);
