/**
 * Bisections as agent jobs: `bootwatch bisect --queue` (the real CLI) puts a job on the
 * pg-boss queue of a throwaway PostgreSQL, real agents take it and store the bisection in
 * a real collector. Only the kernels are simulated (test/helpers/bisect-oracle.ts). An agent
 * killed mid-bisection hands the job on; the next one resumes from the collector's state
 * and builds none of the configs already stored.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import type { BisectState } from '../../collector/analysis/bisect.ts';
import type { BisectionDetail, BisectionSummary } from '../../common/types/api.ts';
import { netOracle, oracleSides, oracleToolchain } from '../helpers/bisect-oracle.ts';
import { agentOnce, useAgentLab } from './helpers/agent-lab.ts';

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'bw-agent-bisect-'));
const lab = useAgentLab();
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** `bootwatch bisect --queue` with .config files that exist only here; returns the job id. */
async function submit(good: string, bad: string): Promise<string> {
  const files = mkdtempSync(join(dir, 'submit-'));
  writeFileSync(join(files, 'good.config'), good);
  writeFileSync(join(files, 'bad.config'), bad);
  const args = ['bisect', '--queue', '--matrix', resolve('examples/seed-ladder.yaml')];
  args.push('--good', 'good.config', '--bad', 'bad.config');
  args.push('--collector', lab.collector.url, '--database', lab.pg.url);
  const { stdout } = await run(resolve('bin/bootwatch'), args, { cwd: files });
  // The agent's host has no such files: the job must carry their content.
  rmSync(files, { recursive: true, force: true });
  return stdout.trim();
}

/** An agent in this process; `once`: it returns after one job. */
function agentHere(name: string, oracle = netOracle()) {
  process.env.BOOTWATCH_CACHE = join(dir, name);
  const done = agentOnce(lab, name, { bisectToolchain: oracleToolchain(oracle, join(dir, name)) });
  return { oracle, done };
}

/** The real agent in a process of its own (test/runners/helpers/sim-agent.ts), to kill. */
function agentProcess(name: string, delayMs: number): ChildProcess {
  const child = spawn(
    process.execPath,
    [
      '--import',
      resolve('node_modules/tsx/dist/loader.mjs'),
      resolve('test/runners/helpers/sim-agent.ts'),
    ].concat([lab.pg.url, name, String(delayMs)]),
    {
      detached: true,
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, BOOTWATCH_CACHE: join(dir, name), BOOTWATCH_SPOOL: join(dir, `spool-${name}`) },
    },
  );
  child.stderr?.on('data', () => {});
  lab.children.push(child);
  return child;
}

const jobState = async (id: string) => (await lab.queue.status(id))?.state;

describe('bisect jobs on the agent queue', () => {
  it('a queued bisection is taken by an agent and lands in the bisections table', async () => {
    const id = await submit(oracleSides.good.content, oracleSides.bad.content);
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    const { oracle, done } = agentHere('agent-1');
    expect(await done).toBe(1);
    expect(await jobState(id)).toBe('completed');

    const [b] = await lab.collector.get<BisectionSummary[]>('/api/bisections');
    expect(b).toMatchObject({
      good: 'good.config',
      bad: 'bad.config',
      variant: '00-allnoconfig',
      status: 'found',
      culprits: ['CONFIG_E1000'],
      agent: 'agent-1',
    });
    expect(b.builds).toBe(oracle.evaluations());
    const db = new pg.Client({ connectionString: lab.pg.url });
    await db.connect();
    const runs = await db.query('SELECT agent, result FROM bootwatch_agent_run WHERE job_id = $1', [id]);
    await db.end();
    expect(runs.rows).toEqual([{ agent: 'agent-1', result: 'bisect found: CONFIG_E1000' }]);
  }, 120_000);

  it('a killed agent’s bisection resumes on another agent from the stored state', async () => {
    // Other sides than the first test's: another key, another bisection.
    const good = `${oracleSides.good.content}CONFIG_UNIX=y\n`;
    const id = await submit(good, oracleSides.bad.content);
    const victim = agentProcess('agent-2', 1500);

    let mine: BisectionSummary | undefined;
    for (let i = 0; i < 240 && !(mine && mine.builds >= 2); i++) {
      mine = (await lab.collector.get<BisectionSummary[]>('/api/bisections')).find(
        (b) => b.agent === 'agent-2',
      );
      if (!mine || mine.builds < 2) await sleep(250);
    }
    expect(mine?.status).toBe('running');
    process.kill(-victim.pid!, 'SIGKILL');
    await sleep(300);
    const stored = await lab.collector.get<BisectionDetail>(`/api/bisections/${mine!.key}?state=true`);
    const storedHashes = Object.keys((stored.state as unknown as BisectState).verdicts);
    expect(storedHashes.length).toBeGreaterThanOrEqual(2);

    // The next agent reaps the dead one's lease, takes the retried job and finishes it.
    const { oracle, done } = agentHere('agent-3');
    expect(await done).toBe(1);
    expect(await jobState(id)).toBe('completed');
    for (const h of oracle.built.keys()) expect(storedHashes).not.toContain(h);
    expect(oracle.evaluations()).toBeGreaterThan(0);

    const final = await lab.collector.get<BisectionDetail>(`/api/bisections/${mine!.id}`);
    expect(final).toMatchObject({ status: 'found', agent: 'agent-3' });
    expect(final.culprits.map((c) => c.option)).toEqual(['CONFIG_E1000']);
    expect(final.builds).toBe(storedHashes.length + oracle.evaluations());
    expect(final.steps.filter((s) => s.built)).toHaveLength(final.builds);
  }, 180_000);
});
