/**
 * A runner agent: takes one job at a time from the queue (a variant to build and boot, or a
 * whole bisection), holds a lease with heartbeats while it runs, and reports to the
 * collector. Kernel failures complete the job (they are results); harness failures fail it
 * so pg-boss retries it — a bisection then resumes from the state stored in the collector.
 */
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { runBisection, type Toolchain } from '../bisect/run-bisection.ts';
import { CollectorClient } from '../collector-client.ts';
import { runVariant } from '../run-matrix.ts';
import { Lease, reapStaleLeases } from './lease.ts';
import { type AgentJob, type BisectJob, openQueue, VARIANT_QUEUE, type VariantJob } from './queue.ts';

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
  /** What bisect jobs build and boot with (tests: simulated kernels; default: real ones). */
  bisectToolchain?: Toolchain;
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
      const [job] = await q.boss.fetch<AgentJob>(VARIANT_QUEUE, { batchSize: 1, includeMetadata: true });
      if (!job) {
        await sleep(o.pollMs ?? 1000, undefined, { signal: o.signal }).catch(() => {});
        continue;
      }
      const ctx = { agent: name, collector, log, toolchain: o.bisectToolchain };
      const work =
        job.data.kind === 'bisect'
          ? bisectWork(job.data, job.retryCount, ctx)
          : variantWork(job.data, collector);
      await runJob(q, job.id, describe(job.data), work, name, heartbeatMs, log);
      done++;
      if (o.once) break;
    }
  } finally {
    await q.close();
  }
  return done;
}

/** What a job's work reports: its result line, and the harness error that makes it retry. */
interface WorkResult {
  result: string;
  harness: string | null;
}
type Work = (signal: AbortSignal) => Promise<WorkResult>;

const describe = (job: AgentJob) =>
  job.kind === 'bisect'
    ? `bisect ${side(job.spec.good)}..${side(job.spec.bad)} (${job.spec.matrix.name})`
    : `${job.matrix}/${job.variant.name}`;
const side = (s: BisectJob['spec']['good']) => (typeof s === 'string' ? s : s.file);

function variantWork(job: VariantJob, collector: CollectorClient | null): Work {
  return async (signal) => {
    const r = await runVariant(job.variant, new Map(), new Map(), { collector, signal });
    const harness =
      r.outcome === 'error' || r.build?.input.status === 'ERROR'
        ? (r.boot?.finish.harnessError ?? r.error ?? 'harness error')
        : null;
    return { result: r.outcome, harness };
  };
}

function bisectWork(
  job: BisectJob,
  retryCount: number,
  ctx: { agent: string; collector: CollectorClient | null; log: (l: string) => void; toolchain?: Toolchain },
): Work {
  return async (signal) => {
    // The job's collector holds the state a retry resumes from: without one it cannot run anywhere.
    const collector = job.collector ? new CollectorClient(job.collector) : ctx.collector;
    if (!collector)
      return {
        result: 'error',
        harness: 'a bisect job needs a collector: give the agent or `bisect --queue` one',
      };
    const run = await runBisection(
      // Starting over is the submitter's wish for the first attempt only: a retry resumes.
      { ...job.spec, fresh: job.spec.fresh === true && retryCount === 0 },
      {
        collector,
        agent: ctx.agent,
        log: (l) => ctx.log(`agent ${ctx.agent}: bisect: ${l}`),
        toolchain: ctx.toolchain,
        signal,
      },
    );
    const culprits = run.report.culprits.map((c) => c.option).join(' ');
    return { result: `bisect ${run.report.status}${culprits ? `: ${culprits}` : ''}`, harness: null };
  };
}

async function runJob(
  q: Awaited<ReturnType<typeof openQueue>>,
  jobId: string,
  what: string,
  work: Work,
  agent: string,
  heartbeatMs: number,
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
  log(`agent ${agent}: job ${jobId}: ${what}`);
  let result = 'error';
  let harness: string | null = null;
  try {
    ({ result, harness } = await work(abort.signal));
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
