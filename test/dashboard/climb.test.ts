/**
 * The Climb views end to end: Debian's Chromium against a real collector on a throwaway
 * PGlite. A real climb (runners/climb/run-climb.ts over HTTP, on the simulated kernel of
 * test/helpers/climb-oracle.ts, each attempt stored as a real build and boot of
 * `00-allnoconfig~climb`) is held after its third attempt while the pages are open, then let
 * go: the list and the ladder follow live to the goal, every attempt links to its boot and
 * build, and their pages link back to the attempt.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClimbState } from '../../collector/analysis/climb.ts';
import type { ClimbDetail, ClimbSummary } from '../../common/types/api.ts';
import { runClimb } from '../../runners/climb/run-climb.ts';
import { CollectorClient } from '../../runners/collector-client.ts';
import { loadMatrix } from '../../runners/matrix/load.ts';
import { attemptStore, climbToolchain, ladderOracle } from '../helpers/climb-oracle.ts';
import {
  type Locator,
  launchBrowser,
  openPage,
  type Page,
  screenshot,
  type TestBrowser,
  watchProblems,
} from './helpers/browser.ts';
import { post } from './helpers/seed.ts';
import { ensureDashboardBuilt, startServer, type TestServer } from './helpers/server.ts';

const HELD_AFTER = 3;
const dir = mkdtempSync(join(tmpdir(), 'bw-climb-view-'));
let server: TestServer;
let chrome: TestBrowser;
let release: () => void;
let climbing: Promise<ClimbState>;
const problems: string[] = [];

beforeAll(async () => {
  ensureDashboardBuilt();
  server = await startServer();
  chrome = await launchBrowser();
  const oracle = ladderOracle({
    store: attemptStore('00-allnoconfig~climb', (path, body) => post(server.url, path, body)),
  });
  // The climb stops before its fourth build until the test lets it go.
  const held = new Promise<void>((r) => {
    release = r;
  });
  const evaluate = oracle.deps.evaluate;
  oracle.deps.evaluate = async (options, c) => {
    if (oracle.built.length === HELD_AFTER) await held;
    return evaluate(options, c);
  };
  process.env.BOOTWATCH_CACHE = dir;
  const variant = loadMatrix('examples/seed-ladder.yaml').variants.find((v) => v.name === '00-allnoconfig')!;
  climbing = runClimb(
    { variant, goals: ['marker'], maxBuilds: 20 },
    {
      collector: new CollectorClient(server.url),
      agent: 'lab-agent-2',
      log: () => {},
      toolchain: climbToolchain(oracle, dir),
    },
  );
  // Wait for the third attempt to be stored.
  for (let i = 0; i < 600; i++) {
    const [c] = await get<ClimbSummary[]>('/api/climbs');
    if (c?.steps === HELD_AFTER) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('the climb never stored its third attempt');
}, 300_000);

afterAll(async () => {
  release?.();
  await climbing?.catch(() => {});
  await chrome?.close();
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function get<T>(path: string): Promise<T> {
  const res = await fetch(`${server.url}${path}`);
  if (!res.ok) throw new Error(`GET ${path}: ${res.status}`);
  return (await res.json()) as T;
}

async function open(path: string, scheme: 'light' | 'dark' = 'light'): Promise<Page> {
  const page = await openPage(chrome.browser, scheme);
  watchProblems(page, path, problems);
  await page.goto(`${server.url}${path}`);
  return page;
}

const text = async (page: Page | Locator, selector: string) =>
  ((await page.locator(selector).first().textContent({ timeout: 10_000 })) ?? '').replace(/\s+/g, ' ').trim();

describe('climb views', () => {
  it('shows a running climb, follows it live up the ladder to its goal, and links every attempt to its boot and build', async () => {
    const [{ id }] = await get<ClimbSummary[]>('/api/climbs');
    const list = await open('/climb');
    const row = list.locator(`table[aria-label="Climbs"] tr[data-id="${id}"]`);
    await row.waitFor({ timeout: 10_000 });
    expect(await list.locator('nav a[aria-current="page"]').textContent()).toBe('Climb');
    expect(await row.getAttribute('data-status')).toBe('running');
    expect(await text(list, `tr[data-id="${id}"] .what a`)).toBe('seed-ladder/00-allnoconfig → marker');
    expect(await text(list, `tr[data-id="${id}"] .budget .n`)).toBe(`${HELD_AFTER} / 20`);

    const page = await open(`/climb/${id}`);
    const attempts = page.locator('table[aria-label="Attempts"] tbody tr[data-attempt]');
    await attempts.first().waitFor({ timeout: 10_000 });
    expect(await text(page, 'h1')).toBe(`Climb #${id}`);
    expect(await text(page, '.page-head [data-status]')).toBe('climbing');
    expect(await attempts.count()).toBe(HELD_AFTER);
    expect(await text(page, '[data-field="builds"] .n')).toBe(`${HELD_AFTER} / 20`);
    await screenshot(page, 'climb-detail-running-light');

    // Let it go: both open pages follow over the feed, no reload.
    release();
    const s = await climbing;
    expect(s.status).toBe('reached');
    await page.locator('.page-head [data-status="reached"]').waitFor({ timeout: 20_000 });
    await page.locator(`tr[data-attempt="${s.attempts.length}"]`).waitFor({ timeout: 20_000 });
    await list.locator(`tr[data-id="${id}"][data-status="reached"]`).waitFor({ timeout: 20_000 });
    expect(await text(list, `tr[data-id="${id}"] [data-field="kept"]`)).toBe('3');
    expect(await text(list, `tr[data-id="${id}"] .budget .n`)).toBe(`${s.builds} / 20`);
    await screenshot(list, 'climb-list-light');

    const detail = await get<ClimbDetail>(`/api/climbs/${id}`);
    expect(await attempts.count()).toBe(detail.attempts.length);
    expect(await text(page, '[data-field="builds"] .n')).toBe(`${s.builds} / 20`);
    expect(await text(page, '[data-field="fragment"]')).toBe(detail.fragment.replace(/\s+/g, ' ').trim());
    // The ladder: one rung per kept option, with the symptom it fixed and the bytes it added.
    const rungs = page.locator('table[aria-label="Ladder"] tbody tr[data-rung]');
    expect(await rungs.count()).toBe(3);
    expect(await rungs.evaluateAll((rs) => rs.map((r) => r.getAttribute('data-option')))).toEqual([
      'CONFIG_PRINTK',
      'CONFIG_RD_GZIP',
      'CONFIG_BINFMT_ELF',
    ]);
    const elf = page.locator('tr[data-rung="3"]');
    expect(await elf.textContent()).toContain('Failed to execute /init (error -8)');
    expect(await elf.textContent()).toContain('CONFIG_BINFMT_SCRIPT');
    expect(await text(page, 'tr[data-rung="3"] td:last-child')).toBe('+19.5 KiB');

    // Each attempt: its symptom (linked to the line of the boot that showed it), the option
    // with what came with it, the verdict, and its own boot and build.
    for (const a of detail.attempts) {
      const r = page.locator(`tr[data-attempt="${a.n}"]`);
      expect(await r.getAttribute('data-verdict')).toBe(a.verdict);
      const links = await r.locator('.outcome a').evaluateAll((as) => as.map((x) => x.getAttribute('href')));
      if (a.buildId === null) {
        // Known needed from Kconfig alone (another kept option depends on it): nothing was built.
        expect([a.phase, a.verdict, a.bootId]).toEqual(['minimise', 'reverted', null]);
        expect(await text(r, '.outcome')).toBe('not built');
        expect(links).toEqual([]);
      } else expect(links).toEqual([`/boots/${a.bootId}`, `/builds/${a.buildId}`]);
      if (a.symptom?.bootId && a.symptom.line > 0)
        expect(await r.locator('.symptom a').getAttribute('href')).toBe(
          `/boots/${a.symptom.bootId}#L${a.symptom.line}`,
        );
    }
    const trial = detail.attempts.find((a) => a.verdict === 'trial')!;
    expect(await text(page, `tr[data-attempt="${trial.n}"] [data-status]`)).toBe('on trial');
    const needed = detail.attempts.find((a) => a.phase === 'minimise')!;
    expect(await text(page, `tr[data-attempt="${needed.n}"] [data-status]`)).toBe('needed');
    await screenshot(page, 'climb-detail-light');

    // An attempt's boot is a real stored boot of the scratch variant.
    const lastBuilt = s.attempts.filter((a) => a.bootId !== null).at(-1)!;
    await page.locator(`tr[data-attempt="${lastBuilt.n}"] .outcome a`).first().click();
    await page.waitForURL(`**/boots/${lastBuilt.bootId}`);
    await page.locator('h1').waitFor({ timeout: 10_000 });
    expect(await page.content()).toContain('00-allnoconfig~climb');
    await list.close();
    await page.close();
  });

  it("links an attempt's boot and build pages back to the attempt in the climb", async () => {
    const [{ id }] = await get<ClimbSummary[]>('/api/climbs');
    const detail = await get<ClimbDetail>(`/api/climbs/${id}`);
    const kept = detail.attempts.find((a) => a.option === 'CONFIG_BINFMT_ELF' && a.verdict === 'kept')!;
    const trial = detail.attempts.find((a) => a.verdict === 'trial')!;
    // One with a boot of its own (minimise's first removal reuses the trial's boot).
    const needed = detail.attempts.find(
      (a) =>
        a.phase === 'minimise' &&
        a.verdict === 'reverted' &&
        detail.attempts.filter((b) => b.bootId === a.bootId).length === 1,
    )!;
    for (const [a, path] of [
      [kept, `/boots/${kept.bootId}`],
      [trial, `/builds/${trial.buildId}`],
      [needed, `/boots/${needed.bootId}`],
    ] as const) {
      const page = await open(path);
      const note = page.locator(`section.climb-attempt[data-climb="${id}"][data-attempt="${a.n}"]`);
      await note.waitFor({ timeout: 10_000 });
      expect(await note.count()).toBe(1);
      const back = note.locator(`a[href="/climb/${id}#attempt-${a.n}"]`);
      expect(await back.textContent()).toBe(`attempt ${a.n} of climb #${id}`);
      expect(await text(page, '.climb-attempt [data-field="option"]')).toBe(a.option);
      expect(await note.locator('[data-status]').getAttribute('data-status')).toBe(a.verdict);
      expect(await text(page, '.climb-attempt [data-field="phase"]')).toBe(a.phase);
      if (a === kept) {
        expect(await text(page, '.climb-attempt [data-status]')).toBe('kept');
        // The symptom it was tried against links to its line in the boot before.
        expect(await note.locator(`a[href="/boots/${a.symptom!.bootId}#L${a.symptom!.line}"]`).count()).toBe(
          1,
        );
        await screenshot(page, 'climb-attempt-boot-light');
      }
      if (a === trial) expect(await text(page, '.climb-attempt [data-status]')).toBe('on trial');
      if (a === needed) expect(await text(page, '.climb-attempt [data-status]')).toBe('needed');
      // Back to the climb, on the attempt's row.
      await back.click();
      await page.waitForURL(`**/climb/${id}#attempt-${a.n}`);
      const row = page.locator(`tr#attempt-${a.n}.target`);
      await row.waitFor({ timeout: 10_000 });
      expect(await row.getAttribute('data-verdict')).toBe(a.verdict);
      expect(await page.locator('tr.target').count()).toBe(1);
      await page.close();
    }
    // A boot no climb made shows no such note.
    const plain = await post<{ id: number }>(
      server.url,
      '/api/logs?variant=03-exec',
      Buffer.from('Linux version 6.1.0\n'),
    );
    const page = await open(`/boots/${plain.id}`);
    await page.locator('h1').waitFor({ timeout: 10_000 });
    await page.waitForLoadState('networkidle');
    expect(await page.locator('section.climb-attempt').count()).toBe(0);
    await page.close();
  });

  it('screenshots in dark', async () => {
    for (const path of ['/climb', '/climb/1']) {
      const page = await open(path, 'dark');
      const row = page.locator('table.grid tbody tr').first();
      await row.waitFor({ timeout: 10_000 });
      await page.waitForLoadState('networkidle');
      expect(await row.textContent()).toContain(path === '/climb' ? '00-allnoconfig' : 'CONFIG_PRINTK');
      await screenshot(page, `climb-${path === '/climb' ? 'list' : 'detail'}-dark`);
      await page.close();
    }
  });

  it('raised no page errors', () => {
    expect(problems).toEqual([]);
  });
});
