/**
 * A runner agent: leases jobs (a variant to build and boot, a whole bisection or climb) from the
 * collector's queue, up to its maximum at once, beats while each runs, and reports to the
 * collector. Kernel failures complete the job (they are results); harness failures fail it
 * so the queue retries it — a bisection or climb then resumes from the state stored in the collector.
 * Told to stop, it hangs up its long poll, stops the builds and boots it runs, gives their
 * jobs back (they run elsewhere at once) and tells the collector it is leaving.
 */
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { BootwatchError } from '../../common/errors.ts';
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
  /** Stop: the long poll is hung up, running jobs are stopped and given back. */
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
  const me = { name, capabilities, staleMs, heartbeatMs };
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
  // `stop` ends the lease loops (a stop signal, --once, a refused token); only the stop signal
  // (`quit`) also stops the jobs that run.
  const stop = new AbortController();
  const quit = o.signal ?? new AbortController().signal;
  if (quit.aborted) stop.abort();
  quit.addEventListener('abort', () => stop.abort(), { once: true });
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
        if (stop.signal.aborted) return;
        if (err instanceof BootwatchError && (err.code.startsWith('auth.') || err.code === 'conflict')) {
          failure = err;
          stop.abort();
          return;
        }
        log(`agent ${name}: no lease (${(err as Error).message.split('\n')[0]}); trying again`);
        await sleep(2000, undefined, { signal: stop.signal }).catch(() => {});
        continue;
      }
      if (!job) continue;
      if (await runJob(source, job, ctx, heartbeatMs, quit)) done++;
      if (o.once) stop.abort();
    }
  };
  try {
    await Promise.all(Array.from({ length: o.once ? 1 : capabilities.maxJobs }, slot));
  } finally {
    // Offline at once rather than after missed beats; a lease still held (one whose answer
    // never reached us) goes back too. A refused token would be refused here as well.
    if (!failure)
      await source
        .leave()
        .then((ids) => log(`agent ${name}: left${ids.length ? `; gave back job(s) ${ids.join(' ')}` : ''}`))
        .catch((err) =>
          log(
            `agent ${name}: could not tell the collector it is leaving (${(err as Error).message}); it shows offline once its heartbeat is overdue`,
          ),
        );
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

/**
 * Runs one leased job, beating while it runs; stops the work if the lease is taken away, or
 * on `quit`, and then gives the job back. True when the job ended here (completed or failed).
 */
async function runJob(
  source: JobSource,
  job: LeasedJob,
  ctx: JobContext,
  heartbeatMs: number,
  quit: AbortSignal,
): Promise<boolean> {
  const { agent, log } = ctx;
  const abort = new AbortController();
  let stopping = false;
  const onQuit = () => {
    stopping = true;
    log(`agent ${agent}: stopping job ${job.id} to give it back`);
    abort.abort();
  };
  if (quit.aborted) onQuit();
  else quit.addEventListener('abort', onQuit, { once: true });
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
    // Beats go on until the work has stopped: nobody else may start the job before.
    clearInterval(timer);
    quit.removeEventListener('abort', onQuit);
  }
  // A give-back carries a harness error too: a collector that predates giveBack fails the job
  // instead, which also hands it on (at the cost of a retry), rather than completing it.
  const ending = stopping
    ? { result: 'agent stopping', harnessError: 'the agent stopped before the job ended', giveBack: true }
    : { result, harnessError: harness };
  const held = await source.finish(job.id, ending).catch((err) => {
    log(
      `agent ${agent}: job ${job.id}: ${stopping ? 'not given back' : 'result not delivered'} (${(err as Error).message}); it will be retried`,
    );
    return false;
  });
  if (!held) return false; // reaped: the job is someone else's now
  if (stopping) {
    log(`agent ${agent}: job ${job.id}: given back`);
    return false;
  }
  log(`agent ${agent}: job ${job.id}: ${result}${harness ? ` (harness: ${harness}; will be retried)` : ''}`);
  return true;
}
