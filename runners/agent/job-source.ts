/**
 * Where an agent gets its jobs: the collector's lease API (a token, no database access), or
 * the collector's queue straight on PostgreSQL (`--database`). Both lease, beat and finish
 * through the same broker, so leases, retries and reaping hold the same either way.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { JobBroker } from '../../collector/queue/job-broker.ts';
import { BootwatchError } from '../../common/errors.ts';
import type { AgentCapabilities, JobResult, LeasedJob, LeaseRequest } from '../../common/schemas/jobs.ts';
import { CollectorClient } from '../collector-client.ts';

export interface JobSource {
  /** Where the jobs come from, for the log. */
  readonly where: string;
  /** Waits up to `waitMs` for a job; null when none came. */
  lease(waitMs: number, signal?: AbortSignal): Promise<LeasedJob | null>;
  /** False once the lease was taken away: stop the work. */
  heartbeat(jobId: string): Promise<boolean>;
  /** False when the lease had been taken away (the result is recorded as lost). */
  finish(jobId: string, r: JobResult): Promise<boolean>;
  /** Says the agent is stopping (offline at once); returns the jobs it still held, given back. */
  leave(): Promise<string[]>;
  close(): Promise<void>;
}

interface AgentIdentity {
  name: string;
  capabilities: AgentCapabilities;
  staleMs: number;
  heartbeatMs: number;
}

/** The queue on PostgreSQL, in this process. */
export async function databaseSource(url: string, me: AgentIdentity): Promise<JobSource> {
  const broker = await JobBroker.open(url);
  const by = { id: null, name: null };
  return {
    where: 'the job queue on PostgreSQL',
    lease: (waitMs, signal) => broker.lease(me.name, request(me, waitMs), by, signal),
    heartbeat: (id) => broker.heartbeat(id, me.name),
    finish: (id, r) => broker.finish(id, me.name, r),
    leave: () => broker.leave(me.name),
    close: () => broker.close(),
  };
}

const request = (me: AgentIdentity, waitMs: number): LeaseRequest => ({
  capabilities: me.capabilities,
  waitMs,
  staleMs: me.staleMs,
  heartbeatMs: me.heartbeatMs,
});

const statusOf = (err: unknown) => (err as { status?: number }).status;

/** A refusal no retry can mend (a wrong or read-only token, a collector without a queue). */
function fatal(err: unknown): BootwatchError | null {
  const s = statusOf(err);
  if (s === 401)
    return new BootwatchError('auth.invalid', `the collector refused the token: ${(err as Error).message}`);
  if (s === 403)
    return new BootwatchError('auth.forbidden', `the collector refused the agent: ${(err as Error).message}`);
  if (s === 409) return new BootwatchError('conflict', (err as Error).message);
  return null;
}

/** The collector's lease API, with the token from BOOTWATCH_TOKEN. */
export function collectorSource(url: string, me: AgentIdentity): JobSource {
  const c = new CollectorClient(url);
  const base = `/api/agents/${encodeURIComponent(me.name)}`;
  return {
    where: `collector ${c.baseUrl}`,
    async lease(waitMs, signal) {
      try {
        // Aborting hangs up, so the collector stops waiting (and leases nothing) at once.
        const r = await c.request<{ job: LeasedJob | null }>(
          'POST',
          `${base}/lease`,
          request(me, waitMs),
          undefined,
          waitMs + 15_000,
          {},
          signal,
        );
        return r.job;
      } catch (err) {
        throw fatal(err) ?? err;
      }
    },
    async heartbeat(id) {
      try {
        return (await c.request<{ held: boolean }>('POST', `${base}/jobs/${id}/heartbeat`)).held;
      } catch (err) {
        const f = fatal(err);
        if (f) throw f;
        // The collector away for a moment: the lease holds until its stale time; beat again.
        return true;
      }
    },
    async finish(id, r) {
      // A result is worth a few tries: lost, the job is reaped and run again elsewhere.
      for (let attempt = 0; ; attempt++) {
        try {
          return (await c.request<{ held: boolean }>('POST', `${base}/jobs/${id}/finish`, r)).held;
        } catch (err) {
          const f = fatal(err);
          if (f || attempt >= 5) throw f ?? err;
          await sleep(500 << attempt);
        }
      }
    },
    async leave() {
      try {
        return (await c.request<{ givenBack: string[] }>('POST', `${base}/leave`)).givenBack;
      } catch (err) {
        // It never asked for work: the collector knows nothing to forget.
        if (statusOf(err) === 404) return [];
        throw err;
      }
    },
    async close() {},
  };
}
