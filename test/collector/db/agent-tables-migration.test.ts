/**
 * Migration 0023 on PGlite and PostgreSQL: the agent tables used to be made by the job queue
 * at start-up; a database where it made them (as it last did, or before the lease had its
 * queue, label and stale time) migrates cleanly, keeps its agents, leases and runs, and ends
 * with the tables a fresh database gets. On PostgreSQL the queue then works on them, and
 * collectors and agents that migrate a fresh database at once do not trip over each other.
 */
import { rmSync } from 'node:fs';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Database,
  MIGRATIONS_DIR,
  migratePostgres,
  openDatabase,
} from '../../../collector/db/client.ts';
import { rowsOf } from '../../../collector/db/rows.ts';
import { agentLeases, agentRuns, agents } from '../../../collector/db/schema/index.ts';
import { JobBroker } from '../../../collector/queue/job-broker.ts';
import type { AgentCapabilities } from '../../../common/schemas/jobs.ts';
import { backends } from '../../helpers/db.ts';
import { emptyDatabase, migrate, migrationsBefore } from '../../helpers/migrations.ts';

const TAG = '0023_agent_tables';

/** What the job queue ran at every start before 0023 (collector/queue/agent-tables.ts). */
const LAST_START_UP = `
CREATE TABLE IF NOT EXISTS bootwatch_agent_lease (
  job_id text PRIMARY KEY,
  agent text NOT NULL,
  taken_at timestamptz NOT NULL DEFAULT now(),
  beat_at timestamptz NOT NULL DEFAULT now()
);
ALTER TABLE bootwatch_agent_lease ADD COLUMN IF NOT EXISTS queue text NOT NULL DEFAULT 'bootwatch-variant';
ALTER TABLE bootwatch_agent_lease ADD COLUMN IF NOT EXISTS label text NOT NULL DEFAULT '';
ALTER TABLE bootwatch_agent_lease ADD COLUMN IF NOT EXISTS stale_ms integer NOT NULL DEFAULT 30000;
CREATE INDEX IF NOT EXISTS bootwatch_agent_lease_agent ON bootwatch_agent_lease (agent);
CREATE TABLE IF NOT EXISTS bootwatch_agent_run (
  id bigserial PRIMARY KEY,
  job_id text NOT NULL,
  agent text NOT NULL,
  started_at timestamptz NOT NULL DEFAULT now(),
  ended_at timestamptz,
  result text
);
CREATE INDEX IF NOT EXISTS bootwatch_agent_run_job ON bootwatch_agent_run (job_id);
CREATE TABLE IF NOT EXISTS bootwatch_agent (
  name text PRIMARY KEY,
  token_id integer,
  token_name text,
  capabilities jsonb NOT NULL,
  stale_ms integer NOT NULL,
  last_seen timestamptz NOT NULL DEFAULT now()
);`;
/** The same before the lease grew its queue, label and stale time. */
const FIRST_START_UP = LAST_START_UP.split('\n')
  .filter((l) => !l.startsWith('ALTER TABLE'))
  .join('\n');

const CAPS: AgentCapabilities = { arches: ['x86_64'], qemu: true, kvm: false, ec2: false, maxJobs: 1 };

/** Runs statements separated by `;` one at a time (PGlite's extended protocol takes one each). */
async function run(db: Database['db'], script: string): Promise<void> {
  for (const stmt of script.split(';').filter((s) => s.trim())) await db.execute(sql.raw(stmt));
}

/** Every column and index of the agent tables, as the catalog describes them. */
async function shape(db: Database['db']) {
  const columns = await rowsOf(
    db,
    sql`select table_name, column_name, data_type, is_nullable, column_default
        from information_schema.columns where table_name like 'bootwatch_agent%'
        order by table_name, column_name`,
  );
  const indexes = await rowsOf(
    db,
    sql`select tablename, indexname from pg_indexes where tablename like 'bootwatch_agent%'
        order by tablename, indexname`,
  );
  return { columns, indexes };
}

describe.each(backends())('migration 0023 moves the agent tables into the schema on $name', (backend) => {
  beforeAll(() => backend.setup());
  afterAll(() => backend.teardown());

  it.each([
    ['as the last start-up made them', LAST_START_UP],
    ['before the lease had its queue, label and stale time', FIRST_START_UP],
  ])(
    'a database whose queue made them %s migrates cleanly and keeps its rows',
    {
      timeout: 300_000,
    },
    async (_, startUp) => {
      const before = migrationsBefore(TAG);
      const database = await emptyDatabase(backend);
      const fresh = await backend.fresh();
      try {
        await migrate(database, before);
        const { db } = database;
        await run(db, startUp);
        await db.execute(sql`insert into bootwatch_agent (name, token_id, token_name, capabilities, stale_ms)
        values ('old-host', 7, 'lab-runner', ${JSON.stringify(CAPS)}::jsonb, 5000)`);
        await db.execute(sql`insert into bootwatch_agent_lease (job_id, agent) values ('job-1', 'old-host')`);
        await db.execute(sql`insert into bootwatch_agent_run (job_id, agent) values ('job-1', 'old-host')`);

        await migrate(database, MIGRATIONS_DIR);

        // The rows are still there, read through the schema; the columns added meanwhile have their defaults.
        expect(await db.select().from(agents)).toMatchObject([
          { name: 'old-host', tokenId: 7, tokenName: 'lab-runner', capabilities: CAPS, staleMs: 5000 },
        ]);
        expect(await db.select().from(agentLeases)).toMatchObject([
          { jobId: 'job-1', agent: 'old-host', queue: 'bootwatch-variant', label: '', staleMs: 30000 },
        ]);
        expect(await db.select().from(agentRuns)).toMatchObject([
          { id: 1, jobId: 'job-1', agent: 'old-host', endedAt: null },
        ]);
        // And the tables are those a fresh database gets.
        expect(await shape(db)).toEqual(await shape(fresh.db));
        const [applied] = await rowsOf<{ n: number }>(
          db,
          sql`select count(*)::int as n from drizzle.__drizzle_migrations`,
        );
        const [all] = await rowsOf<{ n: number }>(
          fresh.db,
          sql`select count(*)::int as n from drizzle.__drizzle_migrations`,
        );
        expect(applied.n).toBe(all.n);
      } finally {
        await database.close();
        await fresh.close();
        rmSync(before, { recursive: true, force: true });
      }
    },
  );

  it.runIf(backend.name === 'postgres')(
    'the queue migrates an old database itself and leases on its tables; fresh ones migrate at once',
    { timeout: 300_000 },
    async () => {
      const before = migrationsBefore(TAG);
      const old = await emptyDatabase(backend);
      try {
        await migrate(old, before);
        await run(old.db, LAST_START_UP);
        await old.close();
        // An agent straight on the database, before any collector of this version started.
        const broker = await JobBroker.open(old.url!);
        try {
          const id = await broker.submit({
            needs: { arch: 'x86_64', target: 'qemu' },
            label: 'exec',
            data: {},
          });
          const by = { id: null, name: null };
          const job = await broker.lease('new-host', { capabilities: CAPS, staleMs: 5000, waitMs: 2000 }, by);
          expect(job?.id).toBe(id);
          expect(await broker.heartbeat(id, 'new-host')).toBe(true);
          const [listed] = await broker.agents();
          expect(listed).toMatchObject({ name: 'new-host', online: true, jobs: [{ id, label: 'exec' }] });
          expect(await broker.finish(id, 'new-host', { result: 'booted' })).toBe(true);
          expect((await broker.status(id))?.runs).toMatchObject([{ agent: 'new-host', result: 'booted' }]);
        } finally {
          await broker.close();
        }

        // Two collectors and an agent starting together on a fresh database: each migrates, one at a time.
        const url = await backend.server()!.createDatabase();
        await Promise.all([
          migratePostgres(url),
          migratePostgres(url),
          openDatabase({ url }).then((d) => d.close()),
        ]);
        const migrated = await openDatabase({ url, migrate: false });
        try {
          expect((await shape(migrated.db)).columns.length).toBeGreaterThan(0);
          expect(await migrated.db.select().from(agents)).toEqual([]);
        } finally {
          await migrated.close();
        }
      } finally {
        rmSync(before, { recursive: true, force: true });
      }
    },
  );
});
