/**
 * Jobs as the runners see them (a variant to build and boot, a whole bisection or climb), what
 * each needs of an agent, and where they are submitted: the collector's job API, or its
 * queue straight on PostgreSQL (`--database`).
 */

import { JobBroker } from '../../collector/queue/job-broker.ts';
import type { ClimbGoal } from '../../common/schemas/climbs.ts';
import type { JobNeeds, JobSubmit } from '../../common/schemas/jobs.ts';
import type { BisectSpec } from '../bisect/run-bisection.ts';
import { CollectorClient } from '../collector-client.ts';
import type { Matrix, ResolvedVariant } from '../matrix/types.ts';

/** A bisection or climb builds many kernels: it may hold its job far longer than one variant (pg-boss's limit is 24 h). */
const SEARCH_EXPIRE_SECONDS = 23 * 3600;

/** The only architecture matrices build for today. */
const ARCH = 'x86_64';

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

/** One job: a whole climb, its state kept in the collector so a retry resumes it. */
export interface ClimbJob {
  kind: 'climb';
  /** The submitter's collector; null: the agent's own. */
  collector: string | null;
  /** The variant to climb from, resolved (its fragments inlined) so the agent needs no matrix file. */
  variant: ResolvedVariant;
  goals: ClimbGoal[];
  maxBuilds: number;
  /** The variant whose boot set-up `variant` carries (part of the climb's key). */
  bootFrom?: string;
  jobs?: number;
  /** Start over instead of resuming a stored state (the first attempt only). */
  fresh?: boolean;
}

export type AgentJob = VariantJob | BisectJob | ClimbJob;

/** Where jobs go: the collector's API or its queue on PostgreSQL. */
export interface JobSink {
  submit(job: JobSubmit): Promise<string>;
  close(): Promise<void>;
}

/** What an agent must offer to run `v`. */
function variantNeeds(v: ResolvedVariant): JobNeeds {
  return { arch: ARCH, target: v.target === 'ec2' ? 'ec2' : v.boot.accel === 'kvm' ? 'kvm' : 'qemu' };
}

/** The job's submission: its needs, its label for people, and itself as the payload. */
function submission(job: AgentJob): JobSubmit {
  if (job.kind === 'bisect') {
    const side = (s: BisectJob['spec']['good']) => (typeof s === 'string' ? s : s.file);
    const first = job.spec.matrix.variants[0];
    return {
      needs: first ? variantNeeds(first) : { arch: ARCH, target: 'qemu' },
      label: `bisect ${side(job.spec.good)}..${side(job.spec.bad)} (${job.spec.matrix.name})`,
      data: job as unknown as Record<string, unknown>,
      expireInSeconds: SEARCH_EXPIRE_SECONDS,
    };
  }
  if (job.kind === 'climb')
    return {
      needs: variantNeeds(job.variant),
      label: `climb ${job.variant.matrix}/${job.variant.name} to ${job.goals.join(',')}${job.bootFrom ? ` booting as ${job.bootFrom}` : ''}`,
      data: job as unknown as Record<string, unknown>,
      expireInSeconds: SEARCH_EXPIRE_SECONDS,
    };
  return {
    needs: variantNeeds(job.variant),
    label: `${job.matrix}/${job.variant.name}`,
    data: job as unknown as Record<string, unknown>,
  };
}

/** The collector's job API as a sink. */
function collectorSink(url: string): JobSink {
  const c = new CollectorClient(url);
  return {
    async submit(job) {
      return (await c.request<{ id: string }>('POST', '/api/jobs', job, undefined, 30_000)).id;
    },
    async close() {},
  };
}

/** Opens where jobs go: straight to the queue on `database` when given, else the collector's API. */
export async function openJobSink(o: { database?: string; collector?: string }): Promise<JobSink> {
  if (o.database) return JobBroker.open(o.database);
  if (o.collector) return collectorSink(o.collector);
  throw new Error('unreachable: the caller checks for --collector or --database');
}

/** Queues every variant of a matrix as one job each; returns the job ids. */
export async function submitMatrix(sink: JobSink, matrix: Matrix, only?: string[]): Promise<string[]> {
  const ids: string[] = [];
  for (const v of matrix.variants) {
    if (only?.length && !only.includes(v.name)) continue;
    ids.push(await sink.submit(submission({ kind: 'variant', matrix: matrix.name, variant: v })));
  }
  return ids;
}

/** Queues a bisection or a climb for an agent; returns the job id. */
export function submitSearch(sink: JobSink, job: BisectJob | ClimbJob): Promise<string> {
  return sink.submit(submission(job));
}
