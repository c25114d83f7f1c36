/**
 * The agents list is the lab as it is now: an agent not heard from for a week drops out of it
 * (a default name is host-pid, new at every restart), unless it still holds a job.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migratePostgres } from '../../../collector/db/client.ts';
import { JobBroker } from '../../../collector/queue/job-broker.ts';
import type { AgentCapabilities } from '../../../common/schemas/jobs.ts';
import { startPostgres, type TestPostgres } from '../../helpers/postgres.ts';

const CAPS: AgentCapabilities = { arches: ['x86_64'], qemu: true, kvm: false, ec2: false, maxJobs: 1 };
const BY = { id: null, name: null };

let server: TestPostgres;
let url: string;
let broker: JobBroker;

beforeAll(async () => {
  server = await startPostgres();
  url = await server.createDatabase();
  await migratePostgres(url);
  broker = await JobBroker.open(url);
}, 180_000);

afterAll(async () => {
  await broker?.close();
  server?.dispose();
});

/** Sets when an agent was last heard from, as if it had gone quiet that long ago. */
async function lastSeen(name: string, daysAgo: number): Promise<void> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    await c.query(
      `UPDATE bootwatch_agent SET last_seen = now() - make_interval(days => $2) WHERE name = $1`,
      [name, daysAgo],
    );
  } finally {
    await c.end();
  }
}

describe('the agents list', () => {
  it('lists who was heard from this week or holds a job, not every name that ever asked', async () => {
    const id = await broker.submit({ needs: { arch: 'x86_64', target: 'qemu' }, label: 'exec', data: {} });
    const job = await broker.lease('busy-1', { capabilities: CAPS, staleMs: 3_600_000, waitMs: 2000 }, BY);
    expect(job?.id).toBe(id);
    for (const name of ['old-2', 'recent-3'])
      expect(await broker.lease(name, { capabilities: CAPS, staleMs: 30_000, waitMs: 50 }, BY)).toBeNull();
    expect((await broker.agents()).map((a) => a.name)).toEqual(['busy-1', 'old-2', 'recent-3']);

    await lastSeen('old-2', 8);
    await lastSeen('recent-3', 6);
    // Quiet for 8 days but still holding its job (a stale time of an hour not yet past).
    await lastSeen('busy-1', 8);
    const listed = await broker.agents();
    expect(listed.map((a) => [a.name, a.online])).toEqual([
      ['busy-1', false],
      ['recent-3', false],
    ]);
    expect(listed[0].jobs).toMatchObject([{ id, label: 'exec' }]);
  });
});
