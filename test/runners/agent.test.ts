/**
 * Three agents on one pg-boss queue (a throwaway PostgreSQL), one killed mid-job: its
 * job is reaped after its heartbeats stop and retried by another agent; every job ends
 * completed, none ran twice at once, and the boots reached the real collector.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { submitMatrix } from '../../runners/agent/queue.ts';
import { loadMatrix } from '../../runners/matrix/load.ts';
import { useAgentLab } from './helpers/agent-lab.ts';
import { sleepyMatrix } from './helpers/sleepy-matrix.ts';

const lab = useAgentLab();
const dir = mkdtempSync(join(tmpdir(), 'bw-agents-'));

function startAgent(name: string): ChildProcess {
  const child = spawn(
    resolve('bin/bootwatch'),
    [
      'agent',
      '--database',
      lab.pg.url,
      '--collector',
      lab.collector.url,
      '--name',
      name,
      '--heartbeat-ms',
      '1000',
      '--stale-ms',
      '5000',
      '--arch',
      'x86_64',
      '--no-kvm',
    ],
    {
      detached: true,
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, BOOTWATCH_SPOOL: join(dir, `spool-${name}`) },
    },
  );
  child.stderr?.on('data', () => {});
  lab.children.push(child);
  return child;
}

interface RunRow {
  job_id: string;
  agent: string;
  started_at: Date;
  ended_at: Date | null;
  result: string | null;
}

describe('agents on the job queue', () => {
  it('a killed agent’s job is retried elsewhere, no job runs twice at once', async () => {
    const ids = await submitMatrix(
      lab.queue,
      loadMatrix(sleepyMatrix(dir, 'agents', ['job-a', 'job-b', 'job-c'])),
    );
    expect(ids).toHaveLength(3);
    const procs = new Map(['agent-1', 'agent-2', 'agent-3'].map((n) => [n, startAgent(n)]));

    // Kill whichever agent holds a lease first, process group and QEMU with it.
    const db = new pg.Client({ connectionString: lab.pg.url });
    await db.connect();
    let victim: { job_id: string; agent: string } | undefined;
    for (let i = 0; i < 240 && !victim; i++) {
      victim = (await db.query('SELECT job_id, agent FROM bootwatch_agent_lease ORDER BY taken_at LIMIT 1'))
        .rows[0];
      if (!victim) await sleep(500);
    }
    expect(victim).toBeDefined();
    await sleep(1500); // mid-job: QEMU is booting
    process.kill(-procs.get(victim!.agent)!.pid!, 'SIGKILL');

    const states = async () => Promise.all(ids.map(async (id) => (await lab.queue.status(id))?.state));
    for (let i = 0; i < 480 && !(await states()).every((s) => s === 'completed'); i++) await sleep(500);
    expect(await states()).toEqual(['completed', 'completed', 'completed']);

    const runs = (
      await db.query<RunRow>(
        'SELECT job_id, agent, started_at, ended_at, result FROM bootwatch_agent_run ORDER BY started_at',
      )
    ).rows;
    await db.end();
    const victimRuns = runs.filter((r) => r.job_id === victim!.job_id);
    expect(victimRuns.length).toBeGreaterThanOrEqual(2);
    expect(victimRuns[0].agent).toBe(victim!.agent);
    expect(victimRuns[0].result).toMatch(/^lost/);
    expect(victimRuns.at(-1)!.agent).not.toBe(victim!.agent);
    expect(victimRuns.at(-1)!.result).toBe('booted');
    for (const id of ids) {
      const mine = runs.filter((r) => r.job_id === id);
      expect(mine.filter((r) => r.result === 'booted')).toHaveLength(1);
      for (let i = 1; i < mine.length; i++)
        expect(mine[i].started_at.getTime()).toBeGreaterThanOrEqual(mine[i - 1].ended_at!.getTime());
    }
    const boots =
      await lab.collector.get<{ variant: string | null; outcome: string }[]>('/api/boots?limit=50');
    for (const n of ['job-a', 'job-b', 'job-c'])
      expect(boots.some((b) => b.variant === n && b.outcome === 'booted')).toBe(true);
  }, 600_000);
});
