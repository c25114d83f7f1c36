/**
 * Climbs as agent jobs: `bootwatch climb --queue` (the real CLI) puts a job on the pg-boss
 * queue of a throwaway PostgreSQL, real agents take it and store the climb in a real
 * collector. Only the kernels are simulated (test/helpers/climb-oracle.ts). An agent whose
 * host dies mid-climb fails the job; the retry on another agent resumes from the collector's
 * state and builds only what was not stored.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import type { ClimbDetail, ClimbSummary } from '../../common/types/api.ts';
import { climbToolchain, ladderOracle } from '../helpers/climb-oracle.ts';
import { agentOnce, useAgentLab } from './helpers/agent-lab.ts';

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'bw-agent-climb-'));
const lab = useAgentLab();
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** `bootwatch climb --queue` from another directory; returns the job id. */
async function submit(variant: string, goal: string): Promise<string> {
  const args = ['climb', resolve('examples/seed-ladder.yaml'), variant, '--goal', goal, '--queue'];
  args.push('--max-builds', '30', '--collector', lab.collector.url, '--database', lab.pg.url);
  const { stdout } = await run(resolve('bin/bootwatch'), args, { cwd: dir });
  return stdout.trim();
}

/** An agent in this process that returns after one job. */
function agentHere(name: string, oracle: ReturnType<typeof ladderOracle>) {
  process.env.BOOTWATCH_CACHE = join(dir, name);
  return agentOnce(lab, name, { climbToolchain: climbToolchain(oracle, join(dir, name)) });
}

async function runsOf(job: string): Promise<{ agent: string; result: string }[]> {
  const db = new pg.Client({ connectionString: lab.pg.url });
  await db.connect();
  try {
    return (
      await db.query('SELECT agent, result FROM bootwatch_agent_run WHERE job_id = $1 ORDER BY id', [job])
    ).rows;
  } finally {
    await db.end();
  }
}

describe('climb jobs on the agent queue', () => {
  it('a queued climb is taken by an agent and lands in the climbs table', async () => {
    const id = await submit('00-allnoconfig', 'marker');
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    const oracle = ladderOracle();
    expect(await agentHere('agent-1', oracle)).toBe(1);
    expect((await lab.queue.status(id))?.state).toBe('completed');

    const [c] = await lab.collector.get<ClimbSummary[]>('/api/climbs');
    expect(c).toMatchObject({
      matrix: 'seed-ladder',
      variant: '00-allnoconfig',
      goals: ['marker'],
      status: 'reached',
      maxBuilds: 30,
      kept: 3,
      agent: 'agent-1',
    });
    expect(c.builds).toBe(oracle.built.length);
    expect(await runsOf(id)).toEqual([
      { agent: 'agent-1', result: `climb reached: 8 option(s), ${c.builds} build(s)` },
    ]);
  }, 120_000);

  it('a climb whose agent died mid-way resumes on another agent from the stored state', async () => {
    // Another goal than the first test's: another key, another climb.
    const id = await submit('00-allnoconfig', 'marker,userspace');
    expect(await agentHere('agent-2', ladderOracle({ crashAfter: 4 }))).toBe(1);
    const [failed] = await lab.collector.get<ClimbSummary[]>('/api/climbs');
    expect(failed).toMatchObject({ status: 'failed', error: 'host died', builds: 4, agent: 'agent-2' });

    const oracle = ladderOracle();
    expect(await agentHere('agent-3', oracle)).toBe(1);
    expect((await lab.queue.status(id))?.state).toBe('completed');
    const final = await lab.collector.get<ClimbDetail>(`/api/climbs/${failed.id}`);
    expect(final).toMatchObject({ status: 'reached', agent: 'agent-3', error: null });
    expect(final.builds).toBe(4 + oracle.built.length);
    expect(final.attempts.slice(0, 4).map((a) => a.builds)).toEqual([1, 2, 3, 4]);
    const runs = await runsOf(id);
    expect(runs.map((r) => r.agent)).toEqual(['agent-2', 'agent-3']);
    expect(runs[1].result).toMatch(/^climb reached: /);
  }, 180_000);
});
