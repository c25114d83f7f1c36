/**
 * The job queue: pg-boss on PostgreSQL holds the jobs (fetch with SKIP LOCKED, retries,
 * expiry as a backstop); two small tables beside it hold the agents' leases with their
 * heartbeats and a log of every run, so a dead agent's job is handed on within seconds.
 */

import pg from 'pg';
import PgBoss from 'pg-boss';
import type { BisectSpec } from '../bisect/run-bisection.ts';
import type { Matrix, ResolvedVariant } from '../matrix/types.ts';

/**
 * The one queue every agent polls. Bisections ride on it too, told apart by `kind`: the
 * leases, the reaper and the retries then cover them unchanged, and an agent never idles
 * on one queue while the other has work.
 */
export const VARIANT_QUEUE = 'bootwatch-variant';

/** A bisection builds many kernels: it may hold its job far longer than one variant (pg-boss's limit is 24 h). */
const BISECT_EXPIRE_SECONDS = 23 * 3600;

/** One job: build (unless prebuilt) and boot one fully resolved variant. */
export interface VariantJob {
  kind: 'variant';
  matrix: string;
  variant: ResolvedVariant;
}

/** One job: a whole config bisection, its state kept in the collector so a retry resumes it. */
export interface BisectJob {
  kind: 'bisect';
  /** The submitter's collector; null: the agent's own. */
  collector: string | null;
  /** Sides are variant names, build ids or .config contents; the matrix comes resolved. */
  spec: Omit<BisectSpec, 'state'>;
}

export type AgentJob = VariantJob | BisectJob;

export interface Queue {
  boss: PgBoss;
  pool: pg.Pool;
  close(): Promise<void>;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS bootwatch_agent_lease (
  job_id text PRIMARY KEY,
  agent text NOT NULL,
  taken_at timestamptz NOT NULL DEFAULT now(),
  beat_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS bootwatch_agent_run (
  id bigserial PRIMARY KEY,
  job_id text NOT NULL,
  agent text NOT NULL,
  started_at timestamptz NOT NULL DEFAULT now(),
  ended_at timestamptz,
  result text
);
CREATE INDEX IF NOT EXISTS bootwatch_agent_run_job ON bootwatch_agent_run (job_id);
`;

/** Connects, installs pg-boss's schema and ours, and makes sure the queue exists. */
export async function openQueue(databaseUrl: string): Promise<Queue> {
  const boss = new PgBoss({ connectionString: databaseUrl, max: 3 });
  boss.on('error', (err) => process.stderr.write(`job queue: ${(err as Error).message}\n`));
  await boss.start();
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 2 });
  // Two agents starting at once would race on CREATE TABLE IF NOT EXISTS: serialize.
  const c = await pool.connect();
  try {
    await c.query('SELECT pg_advisory_lock(4242001)');
    await c.query(SCHEMA);
    await c.query('SELECT pg_advisory_unlock(4242001)');
  } finally {
    c.release();
  }
  if (!(await boss.getQueue(VARIANT_QUEUE))) {
    await boss.createQueue(VARIANT_QUEUE, {
      name: VARIANT_QUEUE,
      retryLimit: 3,
      retryDelay: 0,
      expireInSeconds: 4 * 3600,
    });
  }
  return {
    boss,
    pool,
    async close() {
      await boss.stop({ graceful: false, wait: true });
      await pool.end();
    },
  };
}

/** Queues every variant of a matrix as one job each; returns the job ids. */
export async function submitMatrix(q: Queue, matrix: Matrix, only?: string[]): Promise<string[]> {
  const ids: string[] = [];
  for (const v of matrix.variants) {
    if (only?.length && !only.includes(v.name)) continue;
    const job: VariantJob = { kind: 'variant', matrix: matrix.name, variant: v };
    const id = await q.boss.send(VARIANT_QUEUE, job as unknown as object);
    if (id) ids.push(id);
  }
  return ids;
}

/** Queues a bisection for an agent; returns the job id. */
export async function submitBisection(q: Queue, job: BisectJob): Promise<string> {
  const id = await q.boss.send(VARIANT_QUEUE, job as unknown as object, {
    expireInSeconds: BISECT_EXPIRE_SECONDS,
  });
  if (!id) throw new Error('the job queue refused the bisection job');
  return id;
}
