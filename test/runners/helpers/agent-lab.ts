/**
 * The lab agent tests share: a throwaway PostgreSQL with the job queue on it, a real
 * collector, and the agent processes a test starts (killed, with their groups, afterwards).
 */
import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll } from 'vitest';
import { JobBroker } from '../../../collector/queue/job-broker.ts';
import { type AgentOptions, runAgent } from '../../../runners/agent/agent.ts';
import { startPostgres, type TestPostgres } from '../../helpers/postgres.ts';
import { type RealCollector, startRealCollector } from './real-collector.ts';

export interface AgentLab {
  pg: TestPostgres;
  collector: RealCollector;
  /** The collector's job queue on `pg`, opened here as a submitter would. */
  queue: JobBroker;
  /** Agent processes (spawned detached): each one's group is killed after the tests. */
  children: ChildProcess[];
}

/** Registers the lab's set-up and tear-down; its fields are ready inside the tests. */
export function useAgentLab(): AgentLab {
  const lab = { children: [] as ChildProcess[] } as AgentLab;
  beforeAll(async () => {
    lab.pg = await startPostgres();
    lab.collector = await startRealCollector();
    lab.queue = await JobBroker.open(lab.pg.url);
  }, 180_000);
  afterAll(async () => {
    for (const c of lab.children) {
      try {
        process.kill(-c.pid!, 'SIGKILL');
      } catch {
        // already gone (a victim)
      }
    }
    await lab.queue?.close();
    await lab.collector?.stop();
    lab.pg?.dispose();
  });
  return lab;
}

/** An agent in this process on the lab's queue, quick to beat and reap, that returns after one job. */
export function agentOnce(
  lab: AgentLab,
  name: string,
  kernels: Pick<AgentOptions, 'bisectToolchain' | 'climbToolchain'>,
): Promise<number> {
  return runAgent({
    databaseUrl: lab.pg.url,
    collectorUrl: null,
    name,
    capabilities: { arches: ['x86_64'], qemu: true, kvm: false, ec2: false, maxJobs: 1 },
    once: true,
    heartbeatMs: 500,
    staleMs: 3000,
    pollMs: 200,
    log: () => {},
    ...kernels,
  });
}
