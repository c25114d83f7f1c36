/**
 * Two collectors behind one address, as a person sees them: two real `serve` processes on one
 * real PostgreSQL with auth on, and Debian's Chromium signed in on collector A. A boot a
 * runner streams into collector B shows on A's Live page as it happens — listed as running,
 * its console lines as they arrive, its outcome once B finishes it — and A's boot page has
 * B's analysis. An agent with nothing but A's address and a submit token leases a job
 * submitted through B: A's Agents view shows it online with that job, its last seen moving on
 * as it beats, then idle, and offline ("stopped") as soon as it is stopped.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentSummary } from '../../common/schemas/jobs.ts';
import { until } from '../helpers/alert-receivers.ts';
import { BIN, bootwatch, request, type Served, serve } from '../helpers/cli-process.ts';
import { fixtureBytes } from '../helpers/fixtures.ts';
import { startPostgres, type TestPostgres } from '../helpers/postgres.ts';
import { sleepyMatrix } from '../runners/helpers/sleepy-matrix.ts';
import { launchBrowser, type Page, screenshot, type TestBrowser, watchProblems } from './helpers/browser.ts';
import { ensureDashboardBuilt } from './helpers/server.ts';

const dir = mkdtempSync(join(tmpdir(), 'bw-dashboard-cluster-'));
let pgServer: TestPostgres;
let a: Served;
let b: Served;
let chrome: TestBrowser;
const tokens = { read: '', submit: '' };
const agents: ChildProcess[] = [];

beforeAll(async () => {
  ensureDashboardBuilt();
  pgServer = await startPostgres();
  const env = { DATABASE_URL: await pgServer.createDatabase(), HOST: '127.0.0.1', BOOTWATCH_AUTH: 'on' };
  // A first: it applies the migrations. Then the rest side by side: each CLI start takes tens
  // of seconds on a loaded CI host.
  a = await serve(env);
  [b, chrome] = await Promise.all([
    serve(env),
    launchBrowser(),
    ...(['read', 'submit'] as const).map(async (scope) => {
      const r = await bootwatch(['token', 'create', '--name', `lab-${scope}`, '--scope', scope], env);
      expect(r.code, r.stderr).toBe(0);
      tokens[scope] = r.stdout.trim().split('\n').at(-1)!;
    }),
  ]);
  // Sign in once, as a person does; the session cookie serves every page after.
  const page = await chrome.browser.newPage();
  await page.goto(`${a.url}/signin?next=/agents`);
  await page.getByLabel('Token').fill(tokens.read);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL((u) => u.pathname === '/agents', { timeout: 30_000 });
  await page.close();
}, 300_000);

afterAll(async () => {
  for (const c of agents) {
    try {
      process.kill(-c.pid!, 'SIGKILL');
    } catch {
      // already ended
    }
  }
  await chrome?.close();
  for (const s of [a, b]) s?.child.kill('SIGTERM');
  await Promise.all([a?.exited, b?.exited]);
  pgServer?.dispose();
  rmSync(dir, { recursive: true, force: true });
});

const post = <T>(base: string, path: string, body: unknown) =>
  request<T>(base, 'POST', path, body, tokens.submit);

/** A page on collector A at `path` (the context is signed in with the read token). */
async function openOnA(path: string, problems: string[]): Promise<Page> {
  const page = await chrome.browser.newPage();
  watchProblems(page, path, problems);
  await page.goto(`${a.url}${path}`);
  return page;
}

describe('one dashboard over two collectors', () => {
  it('A’s Live page follows a boot streamed into B, line by line, to its outcome', {
    timeout: 180_000,
  }, async () => {
    const problems: string[] = [];
    const page = await openOnA('/live', problems);
    await page.getByText('No boot running.').waitFor({ timeout: 15_000 });
    await page.waitForLoadState('networkidle');

    const { id } = await post<{ id: number }>(b.url, '/api/boots', {
      target: 'qemu',
      variant: 'two-collectors',
    });
    // Listed as running on A, and followed (the page follows the newest running boot).
    await page.locator(`a[href="/live/${id}"]`).waitFor({ timeout: 10_000 });
    const log = fixtureBytes('logs/02-initrd-no-binfmt.log');
    const lines = log.toString('utf8').split('\n');
    // The console in three parts, each shown on A before the next is sent.
    const cuts = [
      0,
      log.indexOf('\n', log.length / 3) + 1,
      log.indexOf('\n', (2 * log.length) / 3) + 1,
      log.length,
    ];
    for (let i = 0; i < 3; i++) {
      await post(b.url, `/api/boots/${id}/console?offset=${cuts[i]}`, log.subarray(cuts[i], cuts[i + 1]));
      const shown =
        log
          .subarray(0, cuts[i + 1])
          .toString('utf8')
          .split('\n').length - 1;
      await page.locator(`[id="L${shown}"]`).waitFor({ timeout: 10_000 });
      if (i === 0) expect(await page.locator(`[id="L${shown + 1}"]`).count()).toBe(0);
    }
    const failed = lines.findIndex((l) => l.includes('Failed to execute /init (error -2)')) + 1;
    expect(await page.locator(`[id="L${failed}"] .txt`).textContent()).toContain(
      'Failed to execute /init (error -2)',
    );
    await screenshot(page, 'cluster-live-on-a');

    await post(b.url, `/api/boots/${id}/finish`, { endReason: 'panic', consoleBytes: log.length });
    await page.locator('.boot-head [data-outcome="panic"]').waitFor({ timeout: 10_000 });
    // Listed under "Just finished".
    await page.locator(`ul.list a.mono[href="/boots/${id}"]`).waitFor({ timeout: 10_000 });

    // B's analysis, read on A: the boot's page names the panic and the option that fixes it.
    await page.goto(`${a.url}/boots/${id}`);
    await page.getByText('CONFIG_BINFMT_SCRIPT').first().waitFor({ timeout: 15_000 });
    await page.getByText('No working init found').first().waitFor();
    expect(problems).toEqual([]);
    await page.close();
  });

  it('A’s Agents view shows an agent that knows only A’s address online with its job, last seen moving, offline once stopped', {
    timeout: 420_000,
  }, async () => {
    // The guest sleeps 15 s after the kernel's boot: the page opened once the job is leased shows it.
    const matrix = sleepyMatrix(dir, 'cluster', ['agent-job'], 15);
    const submitted = await bootwatch(['submit', matrix, '--collector', b.url], {
      BOOTWATCH_TOKEN: tokens.submit,
    });
    expect(submitted.code, submitted.stderr).toBe(0);
    const agent = spawn(
      BIN,
      [
        'agent',
        '--collector',
        a.url,
        '--name',
        'lab-host-1',
        '--arch',
        'x86_64',
        '--no-kvm',
        '--heartbeat-ms',
        '1000',
      ],
      {
        detached: true,
        stdio: 'ignore',
        env: {
          ...process.env,
          DATABASE_URL: undefined,
          BOOTWATCH_COLLECTOR: undefined,
          BOOTWATCH_TOKEN: tokens.submit,
          BOOTWATCH_SPOOL: join(dir, 'spool'),
        },
      },
    );
    agents.push(agent);
    const listed = async () => {
      const res = await fetch(`${a.url}/api/agents`, { headers: { authorization: `Bearer ${tokens.read}` } });
      return ((await res.json()) as AgentSummary[]).find((x) => x.name === 'lab-host-1');
    };
    await until('the agent leased the job', async () => ((await listed())?.jobs.length ?? 0) > 0, 120_000);

    const problems: string[] = [];
    const page = await openOnA('/agents', problems);
    const row = page.locator('tr[data-agent="lab-host-1"]');
    await row.waitFor({ timeout: 15_000 });
    expect(await row.getAttribute('data-online')).toBe('true');
    expect(await row.locator('td').nth(1).textContent()).toBe('online');
    expect(await row.locator('td').nth(2).textContent()).toContain('cluster/agent-job');
    expect(await row.locator('td').nth(3).textContent()).toContain('x86_64');
    expect(await row.locator('td').nth(4).textContent()).toBe('lab-submit');
    await screenshot(page, 'cluster-agents-busy');
    // Its beats while it runs the job move "last seen" on, without a reload.
    const lastSeen = async () => Date.parse((await row.locator('td time').getAttribute('datetime')) ?? '');
    const seen = await lastSeen();
    expect(seen).toBeGreaterThan(0);
    await until('last seen moved on', async () => (await lastSeen()) > seen, 30_000);

    // The job ends: the page, reloading on its own, shows the agent idle and still online.
    await row.locator('td').nth(2).getByText('idle').waitFor({ timeout: 180_000 });
    expect(await row.getAttribute('data-online')).toBe('true');
    const boots = await fetch(`${b.url}/api/boots?limit=5`, {
      headers: { authorization: `Bearer ${tokens.read}` },
    });
    const done = ((await boots.json()) as { variant: string; outcome: string }[]).find(
      (x) => x.variant === 'agent-job',
    );
    expect(done?.outcome).toBe('booted');

    // Stopped, it says it is leaving: offline at once (the page shows it at its next reload, a
    // few seconds on), stopped rather than unheard from, seen last when it left.
    process.kill(-agent.pid!, 'SIGTERM');
    await new Promise((ended) => agent.once('exit', ended));
    const gone = (await listed())!;
    expect(gone).toMatchObject({ online: false, jobs: [] });
    expect(gone.leftAt).not.toBeNull();
    const left = Date.parse(gone.lastSeen);
    await row.locator('td').nth(1).getByText('offline').waitFor({ timeout: 15_000 });
    expect(await row.getAttribute('data-online')).toBe('false');
    expect(await row.locator('td').nth(1).textContent()).toBe('offline stopped');
    expect(await row.locator('td').nth(2).textContent()).toBe('idle');
    expect(await lastSeen()).toBe(left);
    await screenshot(page, 'cluster-agents-offline');
    expect(problems).toEqual([]);
    await page.close();
  });
});
