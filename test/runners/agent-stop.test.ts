/**
 * An agent that stops, as a lab sees it through the collector: a real `serve` on a throwaway
 * PostgreSQL with auth on, and `bin/bootwatch agent` processes that know only its address and
 * a submit token. Told to stop (SIGTERM) while it waits for work, an agent hangs up its long
 * poll, says it is leaving and shows offline at once. Told to stop mid-job, it stops the boot
 * (no QEMU left behind), gives the job back, shows offline at once, and the next agent takes
 * the job straight away. SIGKILLed mid-job, it shows offline once its heartbeat is overdue by
 * the collector's grace — while its lease, held to its stale time, still lists the job — and
 * the job is then reaped (with no agent left to ask for work) and booted elsewhere, once. Jobs boot Debian's prebuilt kernel into
 * an init that sleeps: no kernel is built.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BootSummary } from '../../common/schemas/boots.ts';
import type { AgentSummary, JobStatus } from '../../common/schemas/jobs.ts';
import { until } from '../helpers/alert-receivers.ts';
import { BIN, bootwatch, request, type Served, serve } from '../helpers/cli-process.ts';
import { startPostgres, type TestPostgres } from '../helpers/postgres.ts';
import { sleepyMatrix } from './helpers/sleepy-matrix.ts';

const dir = mkdtempSync(join(tmpdir(), 'bw-agent-stop-'));
/** The collector's grace past a missed heartbeat (BOOTWATCH_AGENT_GRACE_MS), and the agents' heartbeat. */
const GRACE_MS = 2000;
const HEARTBEAT_MS = 1000;
/**
 * The busy agents' stale time: a killed one shows offline 3 s (heartbeat + grace) after its last
 * beat, and its lease must outlive the few reads that follow by a wide margin (9 s) before it is reaped.
 */
const STALE_MS = 12_000;
let pgServer: TestPostgres;
let databaseUrl: string;
let collector: Served;
const tokens = { submit: '', read: '' };
const agents: ChildProcess[] = [];

beforeAll(async () => {
  pgServer = await startPostgres();
  databaseUrl = await pgServer.createDatabase();
  const env = {
    DATABASE_URL: databaseUrl,
    HOST: '127.0.0.1',
    BOOTWATCH_AUTH: 'on',
    BOOTWATCH_AGENT_GRACE_MS: String(GRACE_MS),
    // The test polls the API quickly; the rate limit is not what it is about.
    BOOTWATCH_RATE_LIMIT: '100000',
  };
  collector = await serve(env);
  // In parallel: each is a CLI start, tens of seconds on a loaded CI host.
  await Promise.all(
    (['submit', 'read'] as const).map(async (scope) => {
      const r = await bootwatch(['token', 'create', '--name', `lab-${scope}`, '--scope', scope], env);
      expect(r.code, r.stderr).toBe(0);
      tokens[scope] = r.stdout.trim().split('\n').at(-1)!;
    }),
  );
}, 300_000);

afterAll(async () => {
  for (const a of agents) {
    try {
      process.kill(-a.pid!, 'SIGKILL');
    } catch {
      // already ended
    }
  }
  collector?.child.kill('SIGTERM');
  await collector?.exited;
  pgServer?.dispose();
  rmSync(dir, { recursive: true, force: true });
});

interface Agent {
  child: ChildProcess;
  exited: Promise<number | null>;
  stderr: () => string;
}

/** `bin/bootwatch agent` with nothing but the collector's address and a submit token, in a process group of its own. */
function startAgent(name: string, staleMs: number): Agent {
  const child = spawn(
    BIN,
    ['agent', '--collector', collector.url, '--name', name, '--arch', 'x86_64', '--no-kvm'].concat([
      '--heartbeat-ms',
      String(HEARTBEAT_MS),
      '--stale-ms',
      String(staleMs),
    ]),
    {
      detached: true,
      stdio: ['ignore', 'ignore', 'pipe'],
      env: {
        ...process.env,
        DATABASE_URL: undefined,
        BOOTWATCH_COLLECTOR: undefined,
        BOOTWATCH_TOKEN: tokens.submit,
        BOOTWATCH_SPOOL: join(dir, `spool-${name}`),
      },
    },
  );
  let text = '';
  child.stderr?.on('data', (d) => (text += d));
  agents.push(child);
  const exited = new Promise<number | null>((done) => child.on('exit', done));
  return { child, exited, stderr: () => text };
}

const get = <T>(path: string) => request<T>(collector.url, 'GET', path, undefined, tokens.read);
const listed = async (name: string) =>
  (await get<AgentSummary[]>('/api/agents')).find((a) => a.name === name);
const job = (id: string) => get<JobStatus>(`/api/jobs/${id}`);
/** The boots of `variant`, newest first. */
const bootsOf = async (variant: string) =>
  (await get<BootSummary[]>('/api/boots?limit=50')).filter((b) => b.variant === variant);

/** What is left in the agent's process group (its QEMU, say), as `pid command` lines. */
const groupLeft = (a: Agent) =>
  spawnSync('pgrep', ['-a', '-g', String(a.child.pid)], { encoding: 'utf8' }).stdout.trim();

async function submit(variant: string, seconds: number): Promise<string> {
  const matrix = sleepyMatrix(dir, variant, [variant], seconds);
  const r = await bootwatch(['submit', matrix, '--collector', collector.url], {
    BOOTWATCH_TOKEN: tokens.submit,
  });
  expect(r.code, r.stderr).toBe(0);
  return r.stdout.trim();
}

describe('an agent that stops', () => {
  it('refuses a heartbeat and stale time that cannot work, with exit 2 and the reason', async () => {
    for (const [args, reason] of [
      [['--heartbeat-ms', 'soon'], '--heartbeat-ms must be a whole number from 100 to 600000'],
      [
        ['--heartbeat-ms', '5000', '--stale-ms', '3000'],
        '--stale-ms must be a whole number above --heartbeat-ms (5000)',
      ],
    ] as const) {
      const r = await bootwatch(['agent', '--collector', collector.url, '--name', 'misconfigured', ...args], {
        BOOTWATCH_TOKEN: tokens.submit,
      });
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(reason);
    }
    // It never asked for work.
    expect(await listed('misconfigured')).toBeUndefined();
  });

  it('stopped while it waits for work, it hangs up and shows offline at once, saying it left', async () => {
    const idle = startAgent('idle-host', 600_000);
    const first = await until('the agent asked for work', () => listed('idle-host'), 60_000);
    expect(first).toMatchObject({ online: true, leftAt: null, jobs: [] });
    // Waiting in a long poll counts as being heard from: through a wait longer than its
    // heartbeat and the grace, it stays online, its last seen moving on.
    const since = Date.parse(first.lastSeen);
    await until(
      'a wait longer than heartbeat and grace',
      async () => {
        const a = (await listed('idle-host'))!;
        expect(a.online).toBe(true);
        return Date.parse(a.lastSeen) > since + HEARTBEAT_MS + GRACE_MS;
      },
      60_000,
    );

    idle.child.kill('SIGTERM');
    expect(await idle.exited).toBe(0);
    expect(idle.stderr()).toMatch(/agent idle-host: left\n/);
    // The first look after it ended: offline, and why.
    const gone = (await listed('idle-host'))!;
    expect(gone).toMatchObject({ online: false, jobs: [] });
    expect(Date.parse(gone.leftAt!)).toBeGreaterThanOrEqual(since);
    // tsx's esbuild service may take a moment to follow its parent out.
    await expect.poll(() => groupLeft(idle)).toBe('');
  }, 180_000);

  it('stopped mid-job, it stops the boot and gives the job back; killed, its job is reaped and booted elsewhere once', async () => {
    // The guest sleeps 10 s after the kernel's boot: the test stops each run a poll after it sees its boot.
    const id = await submit('stop-me', 10);
    const first = startAgent('host-a', STALE_MS);
    await until('host-a holds the job', async () => (await listed('host-a'))?.jobs[0]?.id === id, 120_000);
    const [firstBoot] = await until(
      'its boot is under way',
      () => bootsOf('stop-me').then((b) => (b.length ? b : null)),
      120_000,
    );
    expect(firstBoot.state).toBe('running');

    // Told to stop (a service manager's SIGTERM to the agent alone): it stops QEMU itself.
    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);
    expect(first.stderr()).toContain(`job ${id}: given back`);
    await expect.poll(() => groupLeft(first)).toBe('');
    const a = (await listed('host-a'))!;
    expect(a).toMatchObject({ online: false, jobs: [] });
    expect(a.leftAt).not.toBeNull();
    const back = await job(id);
    expect(back.state).toBe('created');
    expect(back.runs).toEqual([
      expect.objectContaining({
        agent: 'host-a',
        result: 'given back: agent stopping',
        endedAt: expect.any(String),
      }),
    ]);
    // The boot it stopped was finished as cancelled: a skipped boot, not a verdict on the kernel.
    const stopped = await get<{ state: string; endReason: string | null; status: string | null }>(
      `/api/boots/${firstBoot.id}`,
    );
    expect(stopped).toMatchObject({ state: 'finished', endReason: 'cancelled', status: 'SKIP' });

    // The next agent takes it at once: no stale time to wait for.
    const second = startAgent('host-b', STALE_MS);
    await until('host-b holds the job', async () => (await listed('host-b'))?.jobs[0]?.id === id, 120_000);
    const secondBoot = await until(
      'host-b boots it',
      async () => (await bootsOf('stop-me')).find((b) => b.id !== firstBoot.id),
      120_000,
    );
    expect(secondBoot.state).toBe('running');

    // Killed with its QEMU: offline once its heartbeat is overdue, while its lease still lists the job.
    process.kill(-second.child.pid!, 'SIGKILL');
    await second.exited;
    const dead = await until(
      'host-b shows offline',
      async () => {
        const b = (await listed('host-b'))!;
        return b.online ? null : b;
      },
      60_000,
    );
    expect(dead.leftAt).toBeNull();
    expect(dead.jobs.map((j) => j.id)).toEqual([id]);
    expect((await job(id)).state).toBe('active');

    // At its stale time the lease is reaped, with no agent asking for work: reading is enough.
    const reaped = await until(
      'the lease reaped',
      async () => {
        const s = await job(id);
        return s.state === 'retry' ? s : null;
      },
      60_000,
    );
    expect(reaped.runs.at(-1)).toMatchObject({ agent: 'host-b', result: 'lost: agent stopped heartbeating' });
    expect((await listed('host-b'))!.jobs).toEqual([]);

    // A third agent boots it, once.
    const third = startAgent('host-c', STALE_MS);
    const done = await until(
      'the job completed',
      async () => {
        const s = await job(id);
        return s.state === 'completed' ? s : null;
      },
      300_000,
    );
    expect(done.runs.map((r) => [r.agent, r.result])).toEqual([
      ['host-a', 'given back: agent stopping'],
      ['host-b', 'lost: agent stopped heartbeating'],
      ['host-c', 'booted'],
    ]);
    // Never twice at once: each run starts after the one before it ended.
    for (let i = 1; i < done.runs.length; i++)
      expect(Date.parse(done.runs[i].startedAt)).toBeGreaterThanOrEqual(
        Date.parse(done.runs[i - 1].endedAt!),
      );
    expect((await bootsOf('stop-me')).filter((b) => b.outcome === 'booted')).toHaveLength(1);
    // In the queue (read here, never by the agents): three starts, and the give-back cost none of
    // its three retries — only the reaped run did.
    const db = new pg.Client({ connectionString: databaseUrl });
    await db.connect();
    const { rows } = await db.query('SELECT retry_count, retry_limit FROM pgboss.job WHERE id = $1', [id]);
    await db.end();
    expect(rows).toEqual([{ retry_count: 2, retry_limit: 4 }]);

    third.child.kill('SIGTERM');
    expect(await third.exited).toBe(0);
    expect(await listed('host-c')).toMatchObject({ online: false, jobs: [] });
  }, 600_000);
});
