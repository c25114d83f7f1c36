/**
 * How soon a stopped agent is gone, as the collector's agents list says: a real `serve` on a
 * throwaway PostgreSQL and `bin/bootwatch agent` processes (default heartbeat and grace) that
 * wait for work in a long poll. SIGTERM mid-poll: time to the agent's exit and to `online:
 * false`; SIGKILL: time to `online: false` (its heartbeat overdue by the grace).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { AgentSummary } from '../common/schemas/jobs.ts';
import { settingDefault } from '../common/settings.ts';
import { BIN, request, serve } from '../test/helpers/cli-process.ts';
import { startPostgres } from '../test/helpers/postgres.ts';
import type { Benchmark } from './run.ts';
import { pct } from './runner-latency.ts';

const ROUNDS = 3;
/** The agent's default heartbeat (`agent --heartbeat-ms`). */
const HEARTBEAT_MS = 5000;

export const agentStopBenchmark: Benchmark = {
  name: 'agent-stop',
  description: 'time from SIGTERM or SIGKILL to a waiting agent shown offline',
  async run(report) {
    const pg = await startPostgres();
    const spool = mkdtempSync(join(tmpdir(), 'bw-bench-agent-stop-'));
    const collector = await serve({ DATABASE_URL: await pg.createDatabase(), HOST: '127.0.0.1' });
    const online = async (name: string) =>
      (await request<AgentSummary[]>(collector.url, 'GET', '/api/agents')).find((a) => a.name === name)
        ?.online === true;
    /** An agent waiting in its long poll for a while: its process and when it exits. */
    const waitingAgent = async (name: string) => {
      const child: ChildProcess = spawn(
        BIN,
        ['agent', '--collector', collector.url, '--name', name, '--arch', 'x86_64', '--no-kvm'],
        { stdio: 'ignore', env: { ...process.env, DATABASE_URL: undefined, BOOTWATCH_SPOOL: spool } },
      );
      const exited = new Promise<number>((done) => child.on('exit', () => done(performance.now())));
      while (!(await online(name))) await sleep(100);
      await sleep(1000 + Math.random() * 3000);
      return { child, exited };
    };
    const offlineAfter = async (name: string, t0: number) => {
      while (await online(name)) await sleep(20);
      return performance.now() - t0;
    };
    try {
      const exit: number[] = [];
      const termOffline: number[] = [];
      const killOffline: number[] = [];
      for (let i = 0; i < ROUNDS; i++) {
        const a = await waitingAgent(`bench-term-${i}`);
        const t0 = performance.now();
        a.child.kill('SIGTERM');
        termOffline.push(await offlineAfter(`bench-term-${i}`, t0));
        exit.push((await a.exited) - t0);
        const k = await waitingAgent(`bench-kill-${i}`);
        const t1 = performance.now();
        k.child.kill('SIGKILL');
        killOffline.push(await offlineAfter(`bench-kill-${i}`, t1));
      }
      report({ name: 'agent_sigterm_to_exit_max', value: Math.round(Math.max(...exit)), unit: 'ms' });
      report({
        name: 'agent_sigterm_to_offline_max',
        value: Math.round(Math.max(...termOffline)),
        unit: 'ms',
      });
      report({ name: 'agent_sigkill_to_offline_p50', value: Math.round(pct(killOffline, 50)), unit: 'ms' });
      report({
        name: 'agent_sigkill_to_offline_max',
        value: Math.round(Math.max(...killOffline)),
        unit: 'ms',
        target: `about ${HEARTBEAT_MS + Number(settingDefault('BOOTWATCH_AGENT_GRACE_MS'))}: heartbeat + grace after its last word`,
      });
    } finally {
      collector.child.kill('SIGTERM');
      await collector.exited;
      pg.dispose();
      rmSync(spool, { recursive: true, force: true });
    }
  },
};
