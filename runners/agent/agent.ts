/**
 * A runner agent: takes one variant job at a time from the queue, holds a lease with
 * heartbeats while it builds and boots, and reports to the collector. Kernel failures
 * complete the job (they are results); harness failures fail it so pg-boss retries it.
 */
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { CollectorClient } from '../collector-client.ts';
import { runVariant } from '../run-matrix.ts';
import { Lease, reapStaleLeases } from './lease.ts';
import { openQueue, VARIANT_QUEUE, type VariantJob } from './queue.ts';

export interface AgentOptions {
  databaseUrl: string;
  collectorUrl: string | null;
  name?: string;
  /** Exit after one job. */
  once?: boolean;
  heartbeatMs?: number;
  /** A lease without a beat for this long is reaped. */
  staleMs?: number;
  pollMs?: number;
  signal?: AbortSignal;
  log?: (line: string) => void;
}

/** Runs jobs until `signal` aborts (or after one with `once`); returns jobs completed. */
export async function runAgent(o: AgentOptions): Promise<number> {
  const name = o.name ?? `${hostname()}-${process.pid}`;
  const heartbeatMs = o.heartbeatMs ?? 5000;
  const staleMs = o.staleMs ?? 30_000;
  const log = o.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  const q = await openQueue(o.databaseUrl);
  const collector = o.collectorUrl ? new CollectorClient(o.collectorUrl) : null;
  let done = 0;
  let lastReap = 0;
  log(`agent ${name}: waiting for jobs on ${VARIANT_QUEUE}`);
  try {
    while (!o.signal?.aborted) {
      if (Date.now() - lastReap > staleMs / 3) {
        lastReap = Date.now();
        for (const r of await reapStaleLeases(q, staleMs))
          log(`agent ${name}: job ${r.jobId} of dead agent ${r.agent} handed back for retry`);
      }
      const [job] = await q.boss.fetch<VariantJob>(VARIANT_QUEUE, { batchSize: 1 });
      if (!job) {
        await sleep(o.pollMs ?? 1000, undefined, { signal: o.signal }).catch(() => {});
        continue;
      }
      await runJob(q, job.id, job.data, name, heartbeatMs, collector, log);
      done++;
      if (o.once) break;
    }
  } finally {
    await q.close();
  }
  return done;
}

async function runJob(
  q: Awaited<ReturnType<typeof openQueue>>,
  jobId: string,
  job: VariantJob,
  agent: string,
  heartbeatMs: number,
  collector: CollectorClient | null,
  log: (l: string) => void,
): Promise<void> {
  const lease = new Lease(q, jobId, agent);
  await lease.take();
  const abort = new AbortController();
  lease.startBeating(heartbeatMs, () => {
    log(`agent ${agent}: lease on job ${jobId} lost; stopping it`);
    abort.abort();
  });
  const run = await q.pool.query<{ id: string }>(
    'INSERT INTO bootwatch_agent_run (job_id, agent) VALUES ($1, $2) RETURNING id',
    [jobId, agent],
  );
  log(`agent ${agent}: job ${jobId}: ${job.matrix}/${job.variant.name}`);
  let result = 'error';
  let harness: string | null = null;
  try {
    const r = await runVariant(job.variant, new Map(), new Map(), { collector, signal: abort.signal });
    result = r.outcome;
    if (r.outcome === 'error' || r.build?.input.status === 'ERROR')
      harness = r.boot?.finish.harnessError ?? r.error ?? 'harness error';
  } catch (err) {
    harness = (err as Error).message;
  }
  const stillMine = await lease.release();
  await q.pool.query(
    'UPDATE bootwatch_agent_run SET ended_at = now(), result = $2 WHERE id = $1 AND ended_at IS NULL',
    [run.rows[0].id, stillMine ? result : `lost (${result})`],
  );
  if (!stillMine) return; // reaped: the job is someone else's now, touch nothing
  if (harness) await q.boss.fail(VARIANT_QUEUE, jobId, { outcome: result, harnessError: harness });
  else await q.boss.complete(VARIANT_QUEUE, jobId, { outcome: result, agent });
  log(`agent ${agent}: job ${jobId}: ${result}${harness ? ` (harness: ${harness}; will be retried)` : ''}`);
}
