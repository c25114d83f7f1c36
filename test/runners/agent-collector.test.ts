/**
 * Agents that know only the collector's address and a token: a real `serve` on a throwaway
 * PostgreSQL with auth on, jobs submitted with `bootwatch submit --collector`, and agent
 * processes without any database URL. One is SIGKILLed mid-job: its lease is reaped and
 * another agent finishes the job, never two at once; a job no agent can run (EC2) waits;
 * a read-only token is refused; another runner's token cannot touch an agent's lease.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentSummary, JobStatus } from '../../common/schemas/jobs.ts';
import { BIN, bootwatch, type Served, serve } from '../helpers/cli-process.ts';
import { startPostgres, type TestPostgres } from '../helpers/postgres.ts';
import { sleepyMatrix } from './helpers/sleepy-matrix.ts';

const dir = mkdtempSync(join(tmpdir(), 'bw-agents-api-'));
let pgServer: TestPostgres;
let collector: Served;
const tokens: Record<'submit' | 'read' | 'other', string> = { submit: '', read: '', other: '' };
const children: ChildProcess[] = [];

async function createToken(name: string, scope: string): Promise<string> {
  const r = await bootwatch(['token', 'create', '--name', name, '--scope', scope], {
    DATABASE_URL: pgServer.url,
  });
  expect(r.code, r.stderr).toBe(0);
  return r.stdout.trim().split('\n').at(-1)!;
}

beforeAll(async () => {
  pgServer = await startPostgres();
  collector = await serve({ DATABASE_URL: pgServer.url, HOST: '127.0.0.1', BOOTWATCH_AUTH: 'on' });
  // In parallel: each is a CLI start, tens of seconds on a loaded CI host.
  [tokens.submit, tokens.read, tokens.other] = await Promise.all([
    createToken('lab-1', 'submit'),
    createToken('viewer', 'read'),
    createToken('lab-2', 'submit'),
  ]);
}, 300_000);

afterAll(async () => {
  for (const c of children) {
    try {
      process.kill(-c.pid!, 'SIGKILL');
    } catch {
      // already gone (the victim)
    }
  }
  collector?.child.kill('SIGTERM');
  await collector?.exited;
  pgServer?.dispose();
});

/** An agent process with nothing but the collector's URL and a token. */
function startAgent(name: string, token: string): ChildProcess & { stderrText: () => string } {
  const child = spawn(
    BIN,
    [
      'agent',
      '--collector',
      collector.url,
      '--name',
      name,
      '--heartbeat-ms',
      '1000',
      '--stale-ms',
      '5000',
    ].concat(['--arch', 'x86_64', '--no-kvm']),
    {
      detached: true,
      stdio: ['ignore', 'ignore', 'pipe'],
      env: {
        ...process.env,
        DATABASE_URL: undefined,
        BOOTWATCH_COLLECTOR: undefined,
        BOOTWATCH_TOKEN: token,
        BOOTWATCH_SPOOL: join(dir, `spool-${name}`),
      },
    },
  );
  let text = '';
  child.stderr?.on('data', (d) => (text += d));
  children.push(child);
  return Object.assign(child, { stderrText: () => text });
}

async function api<T>(
  method: string,
  path: string,
  token: string,
  body?: unknown,
): Promise<{ status: number; body: T }> {
  const res = await fetch(`${collector.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    body: body !== undefined ? JSON.stringify(body) : undefined,
  });
  return { status: res.status, body: (await res.json()) as T };
}

const job = async (id: string) => (await api<JobStatus>('GET', `/api/jobs/${id}`, tokens.read)).body;

describe('agents through the collector (no database access)', () => {
  it('refuses an agent whose token may only read', async () => {
    const a = startAgent('reader', tokens.read);
    const code = await new Promise<number | null>((done) => a.on('close', done));
    expect(code).not.toBe(0);
    expect(a.stderrText()).toMatch(/needs a submit token/);
  }, 60_000);

  it('a killed agent’s job is finished by another; a job nobody can run waits', async () => {
    const matrix = sleepyMatrix(dir, 'lab', ['lab-a', 'lab-b']);
    const submitted = await bootwatch(['submit', matrix, '--collector', collector.url], {
      BOOTWATCH_TOKEN: tokens.submit,
    });
    expect(submitted.code, submitted.stderr).toBe(0);
    const ids = submitted.stdout.trim().split('\n');
    expect(ids).toHaveLength(2);
    const ec2 = await api<{ id: string }>('POST', '/api/jobs', tokens.submit, {
      needs: { arch: 'x86_64', target: 'ec2' },
      label: 'lab/on-ec2',
      data: { kind: 'variant' },
    });
    expect(ec2.status).toBe(201);

    const agents = new Map(['agent-1', 'agent-2'].map((n) => [n, startAgent(n, tokens.submit)]));
    let victim: { agent: string; jobId: string } | undefined;
    for (let i = 0; i < 480 && !victim; i++) {
      const busy = (await api<AgentSummary[]>('GET', '/api/agents', tokens.read)).body.find(
        (a) => a.jobs.length,
      );
      if (busy) victim = { agent: busy.name, jobId: busy.jobs[0].id };
      else await sleep(250);
    }
    expect(victim).toBeDefined();
    const holder = (await api<AgentSummary[]>('GET', '/api/agents', tokens.read)).body.find(
      (a) => a.name === victim!.agent,
    )!;
    expect(holder).toMatchObject({ online: true, submittedBy: 'lab-1' });
    expect(holder.capabilities).toMatchObject({ arches: ['x86_64'], kvm: false, ec2: false, maxJobs: 1 });
    expect(holder.jobs[0].label).toMatch(/^lab\/lab-[ab]$/);

    // Another runner's token may not beat or finish this agent's lease.
    const foreign = await api(
      'POST',
      `/api/agents/${victim!.agent}/jobs/${victim!.jobId}/finish`,
      tokens.other,
      {
        result: 'booted',
      },
    );
    expect(foreign.status).toBe(403);

    await sleep(1500); // mid-job: QEMU is booting
    process.kill(-agents.get(victim!.agent)!.pid!, 'SIGKILL');

    const states = async () => Promise.all(ids.map(async (id) => (await job(id)).state));
    for (let i = 0; i < 480 && !(await states()).every((s) => s === 'completed'); i++) await sleep(500);
    expect(await states()).toEqual(['completed', 'completed']);

    const runs = (await job(victim!.jobId)).runs;
    expect(runs.length).toBeGreaterThanOrEqual(2);
    expect(runs[0]).toMatchObject({ agent: victim!.agent, result: expect.stringMatching(/^lost/) });
    expect(runs.at(-1)).toMatchObject({ result: 'booted' });
    expect(runs.at(-1)!.agent).not.toBe(victim!.agent);
    for (const id of ids) {
      const r = (await job(id)).runs;
      expect(r.filter((x) => x.result === 'booted')).toHaveLength(1);
      // Never twice at once: each run starts after the one before it ended.
      for (let i = 1; i < r.length; i++)
        expect(Date.parse(r[i].startedAt)).toBeGreaterThanOrEqual(Date.parse(r[i - 1].endedAt!));
    }
    // Nobody advertised EC2: that job was never leased.
    expect(await job(ec2.body.id)).toMatchObject({ state: 'created', runs: [], label: 'lab/on-ec2' });

    const listed = (await api<AgentSummary[]>('GET', '/api/agents', tokens.read)).body;
    const survivor = listed.find((a) => a.name !== victim!.agent && a.name !== 'reader')!;
    expect(survivor).toMatchObject({ online: true, jobs: [] });
    expect(listed.find((a) => a.name === victim!.agent)?.jobs).toEqual([]);

    const boots = (
      await api<{ variant: string | null; outcome: string; submittedBy: string | null }[]>(
        'GET',
        '/api/boots?limit=50',
        tokens.read,
      )
    ).body;
    for (const n of ['lab-a', 'lab-b'])
      expect(boots.some((b) => b.variant === n && b.outcome === 'booted' && b.submittedBy === 'lab-1')).toBe(
        true,
      );
  }, 600_000);
});
