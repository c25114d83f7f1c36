/**
 * A runner agent: leases jobs (a variant to build and boot, a whole bisection or climb) from the
 * collector's queue, up to its maximum at once, beats while each runs, and reports to the
 * collector. Kernel failures complete the job (they are results); harness failures fail it
 * so the queue retries it — a bisection or climb then resumes from the state stored in the collector.
 */
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import type { AgentCapabilities, LeasedJob } from '../../common/schemas/jobs.ts';
import { runBisection, type Toolchain } from '../bisect/run-bisection.ts';
import { type ClimbToolchain, runClimb } from '../climb/run-climb.ts';
import { CollectorClient } from '../collector-client.ts';
import { runVariant } from '../run-matrix.ts';
import { agentCapabilities } from './capabilities.ts';
import { collectorSource, databaseSource, type JobSource } from './job-source.ts';
import type { AgentJob, BisectJob, ClimbJob, VariantJob } from './queue.ts';

export interface AgentOptions {
  /** Lease straight from the queue on this PostgreSQL; else through `collectorUrl`'s API. */
  databaseUrl?: string | null;
  collectorUrl: string | null;
  name?: string;
  /** What it advertises (default: detected on this host). */
  capabilities?: AgentCapabilities;
  /** Exit after one job. */
  once?: boolean;
  heartbeatMs?: number;
  /** A lease without a beat for this long is reaped. */
  staleMs?: number;
  /** How long one lease request waits for a job (a long poll). */
  pollMs?: number;
  signal?: AbortSignal;
  log?: (line: string) => void;
  /** What bisect jobs build and boot with (tests: simulated kernels; default: real ones). */
  bisectToolchain?: Toolchain;
  /** What climb jobs build and boot with (tests: simulated kernels; default: real ones). */
  climbToolchain?: ClimbToolchain;
}

/** Runs jobs until `signal` aborts (or after one with `once`); returns jobs completed. */
export async function runAgent(o: AgentOptions): Promise<number> {
  const name = o.name ?? `${hostname()}-${process.pid}`;
  const heartbeatMs = o.heartbeatMs ?? 5000;
  const staleMs = o.staleMs ?? 30_000;
  const log = o.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  const capabilities = o.capabilities ?? agentCapabilities();
  const me = { name, capabilities, staleMs };
  const source = o.databaseUrl
    ? await databaseSource(o.databaseUrl, me)
    : collectorSource(o.collectorUrl ?? '', me);
  const collector = o.collectorUrl ? new CollectorClient(o.collectorUrl) : null;
  const ctx = {
    agent: name,
    collector,
    log,
    toolchain: o.bisectToolchain,
    climbToolchain: o.climbToolchain,
  };
  let done = 0;
  let failure: unknown = null;
  const stop = new AbortController();
  o.signal?.addEventListener('abort', () => stop.abort(), { once: true });
  log(
    `agent ${name}: waiting for jobs from ${source.where} (${capabilities.arches.join(',')}; ` +
      `${[capabilities.kvm && 'kvm', capabilities.qemu && 'qemu', capabilities.ec2 && 'ec2'].filter(Boolean).join(', ') || 'nothing to boot with'}; ` +
      `${capabilities.maxJobs} at once)`,
  );

  // One slot per job it may run at once; each slot leases, runs, and leases again.
  const slot = async () => {
    while (!stop.signal.aborted) {
      let job: LeasedJob | null;
      try {
        job = await source.lease(o.pollMs ?? 20_000, stop.signal);
      } catch (err) {
        if (
          (err as { code?: string }).code?.startsWith('auth.') ||
          (err as { code?: string }).code === 'conflict'
        ) {
          failure = err;
          stop.abort();
          return;
        }
        if (stop.signal.aborted) return;
        log(`agent ${name}: no lease (${(err as Error).message.split('\n')[0]}); trying again`);
        await sleep(2000, undefined, { signal: stop.signal }).catch(() => {});
        continue;
      }
      if (!job) continue;
      await runJob(source, job, ctx, heartbeatMs);
      done++;
      if (o.once) stop.abort();
    }
  };
  try {
    await Promise.all(Array.from({ length: o.once ? 1 : capabilities.maxJobs }, slot));
  } finally {
    await source.close();
  }
  if (failure) throw failure;
  return done;
}

interface JobContext {
  agent: string;
  collector: CollectorClient | null;
  log: (l: string) => void;
  toolchain?: Toolchain;
  climbToolchain?: ClimbToolchain;
}

/** What a job's work reports: its result line, and the harness error that makes it retry. */
interface WorkResult {
  result: string;
  harness: string | null;
}

function variantWork(
  job: VariantJob,
  collector: CollectorClient | null,
  signal: AbortSignal,
): Promise<WorkResult> {
  return runVariant(job.variant, new Map(), new Map(), { collector, signal }).then((r) => ({
    result: r.outcome,
    harness:
      r.outcome === 'error' || r.build?.input.status === 'ERROR'
        ? (r.boot?.finish.harnessError ?? r.error ?? 'harness error')
        : null,
  }));
}

/** The collector a search job keeps its state in: the job's, else the agent's (null: none, it cannot run). */
const searchCollector = (job: BisectJob | ClimbJob, ctx: JobContext) =>
  job.collector ? new CollectorClient(job.collector) : ctx.collector;

const NO_COLLECTOR = (kind: string): WorkResult => ({
  result: 'error',
  harness: `a ${kind} job needs a collector: give the agent or \`${kind} --queue\` one`,
});

async function climbWork(
  job: ClimbJob,
  retryCount: number,
  ctx: JobContext,
  signal: AbortSignal,
): Promise<WorkResult> {
  const collector = searchCollector(job, ctx);
  if (!collector) return NO_COLLECTOR('climb');
  const s = await runClimb(
    {
      variant: job.variant,
      goals: job.goals,
      maxBuilds: job.maxBuilds,
      bootFrom: job.bootFrom,
      jobs: job.jobs,
      fresh: job.fresh === true && retryCount === 0,
    },
    {
      collector,
      agent: ctx.agent,
      log: (l) => ctx.log(`agent ${ctx.agent}: climb: ${l}`),
      toolchain: ctx.climbToolchain,
      signal,
    },
  );
  return { result: `climb ${s.status}: ${s.options.length} option(s), ${s.builds} build(s)`, harness: null };
}

async function bisectWork(
  job: BisectJob,
  retryCount: number,
  ctx: JobContext,
  signal: AbortSignal,
): Promise<WorkResult> {
  // The job's collector holds the state a retry resumes from: without one it cannot run anywhere.
  const collector = searchCollector(job, ctx);
  if (!collector) return NO_COLLECTOR('bisect');
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
}

/** Runs one leased job, beating while it runs; stops the work if the lease is taken away. */
async function runJob(
  source: JobSource,
  job: LeasedJob,
  ctx: JobContext,
  heartbeatMs: number,
): Promise<void> {
  const { agent, log } = ctx;
  const abort = new AbortController();
  const timer = setInterval(() => {
    source
      .heartbeat(job.id)
      .then((held) => {
        if (held || abort.signal.aborted) return;
        log(`agent ${agent}: lease on job ${job.id} lost; stopping it`);
        abort.abort();
      })
      .catch((err) => {
        log(`agent ${agent}: heartbeat refused (${(err as Error).message}); stopping job ${job.id}`);
        abort.abort();
      });
  }, heartbeatMs);
  log(`agent ${agent}: job ${job.id}: ${job.label}`);
  const data = job.data as unknown as AgentJob;
  let result = 'error';
  let harness: string | null = null;
  try {
    ({ result, harness } =
      data.kind === 'bisect'
        ? await bisectWork(data, job.retryCount, ctx, abort.signal)
        : data.kind === 'climb'
          ? await climbWork(data, job.retryCount, ctx, abort.signal)
          : await variantWork(data, ctx.collector, abort.signal));
  } catch (err) {
    harness = (err as Error).message;
  } finally {
    clearInterval(timer);
  }
  const held = await source.finish(job.id, { result, harnessError: harness }).catch((err) => {
    log(
      `agent ${agent}: job ${job.id}: result not delivered (${(err as Error).message}); it will be retried`,
    );
    return false;
  });
  if (!held) return; // reaped: the job is someone else's now
  log(`agent ${agent}: job ${job.id}: ${result}${harness ? ` (harness: ${harness}; will be retried)` : ''}`);
}
