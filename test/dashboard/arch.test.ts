/**
 * Architectures on the dashboard, end to end: Debian's Chromium against a real collector on a
 * throwaway PGlite holding an x86_64 and an arm64 variant (builds declaring their arch, real
 * consoles of each arch streamed as their boots). The arch filter lives in the URL on Overview,
 * Trends and Failures; size trends draw one line per arch; boot and build pages name the arch;
 * Compare compares boots of two arches and says so.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BootInput, BuildInput } from '../../common/types/ingest.ts';
import { fixtureBytes } from '../helpers/fixtures.ts';
import {
  launchBrowser,
  openPage,
  type Page,
  screenshot,
  type TestBrowser,
  watchProblems,
} from './helpers/browser.ts';
import { post, runBoot } from './helpers/seed.ts';
import { ensureDashboardBuilt, startServer, type TestServer } from './helpers/server.ts';

const X86_CRASH = 'KASAN: use-after-free Read in lkdtm_READ_AFTER_FREE';
const ARM_CRASH = 'kernel panic: sysrq triggered crash';

/** Builds and their boots in the order they ran, an hour apart. */
const RUNS = [
  { variant: 'serial', arch: 'x86_64', image: 1_000_000, log: 'logs/05-net-e1000.log' },
  { variant: 'serial@arm64', arch: 'arm64', image: 2_000_000, log: 'crashes-arm64/booted.log' },
  { variant: 'serial', arch: 'x86_64', image: 1_100_000, log: 'crashes/kasan_uaf_read.log' },
  { variant: 'serial@arm64', arch: 'arm64', image: 2_200_000, log: 'crashes-arm64/sysrq_crash.log' },
] as const;
const T0 = Date.now() - 2 * 86_400_000;

let server: TestServer;
let chrome: TestBrowser;
const buildIds: number[] = [];
const bootIds: number[] = [];
/** Uncaught errors and CSP violations in any page: there must be none. */
const problems: string[] = [];

beforeAll(async () => {
  ensureDashboardBuilt();
  server = await startServer();
  for (const [n, run] of RUNS.entries()) {
    const at = new Date(T0 + n * 3_600_000).toISOString();
    const build: BuildInput = {
      variant: run.variant,
      arch: run.arch,
      status: 'PASS',
      startedAt: at,
      sizes: { image: run.image },
      idempotencyKey: `arch-build:${n}`,
    };
    buildIds.push((await post<{ id: number }>(server.url, '/api/builds', build)).id);
    const boot: BootInput = {
      variant: run.variant,
      buildId: buildIds[n],
      arch: run.arch,
      target: 'qemu',
      startedAt: at,
      idempotencyKey: `arch-boot:${n}`,
    };
    bootIds.push(await runBoot(server.url, boot, new Uint8Array(fixtureBytes(run.log)), 'marker'));
  }
  chrome = await launchBrowser();
}, 300_000);

afterAll(async () => {
  await chrome?.close();
  await server?.close();
});

async function open(path: string): Promise<Page> {
  const page = await openPage(chrome.browser);
  watchProblems(page, path, problems);
  await page.goto(`${server.url}${path}`);
  return page;
}

const squash = (t: string | null) => (t ?? '').replace(/\s+/g, ' ').trim();

/** Waits until the page shows exactly these values of `attr` on `selector`, in order. */
async function waitForList(page: Page, selector: string, attr: string, want: string[]): Promise<void> {
  await page.waitForFunction(
    ([sel, a, w]) =>
      JSON.stringify([...document.querySelectorAll(sel)].map((e) => e.getAttribute(a))) === JSON.stringify(w),
    [selector, attr, want] as const,
    { timeout: 15_000 },
  );
}

const pressed = (page: Page, arch: string) =>
  page.locator(`button.chip[data-arch="${arch}"]`).getAttribute('aria-pressed');

describe('arch on the dashboard', () => {
  it('Overview filters variants and recent boots by the URL’s arch, and its chips rewrite the URL', async () => {
    const page = await open('/?arch=arm64');
    await waitForList(page, 'table[aria-label="Variants"] tbody tr[data-variant]', 'data-variant', [
      'serial@arm64',
    ]);
    expect(await pressed(page, 'arm64')).toBe('true');
    expect(await pressed(page, 'x86_64')).toBe('false');
    const recent = await fetch(`${server.url}/api/boots?arch=arm64`).then((r) => r.json());
    expect(recent.map((b: { id: number }) => b.id)).toEqual([bootIds[3], bootIds[1]]);
    await screenshot(page, 'overview-arch-arm64');

    await page.locator('button.chip[data-arch="arm64"]').click();
    await page.locator('button.chip[data-arch="x86_64"]').click();
    await page.waitForURL((u) => u.pathname === '/' && u.searchParams.get('arch') === 'x86_64');
    await waitForList(page, 'table[aria-label="Variants"] tbody tr[data-variant]', 'data-variant', [
      'serial',
    ]);

    // Both arches: every variant, each tagged with its arch.
    await page.locator('button.chip[data-arch="arm64"]').click();
    await page.waitForURL((u) => u.searchParams.get('arch') === 'x86_64,arm64');
    await waitForList(page, 'table[aria-label="Variants"] tbody tr[data-variant]', 'data-variant', [
      'serial',
      'serial@arm64',
    ]);
    expect(
      await page.locator('table[aria-label="Variants"] tbody tr[data-variant] .tag.arch').allTextContents(),
    ).toEqual(['x86_64', 'arm64']);
    await page.close();
  });

  it('Trends draws one size line per arch, and the URL’s arch keeps only that arch’s', async () => {
    const page = await open('/trends?metric=size.image');
    const latest = 'section[data-metric="size.image"] .latest[data-series]';
    await waitForList(page, latest, 'data-series', ['serial (x86_64)', 'serial@arm64 (arm64)']);
    expect(squash(await page.locator('[data-testid="arch-lines"]').textContent())).toContain(
      'one line per arch',
    );
    // The chart's own summary names each line with its arch.
    const label = await page.locator('section[data-metric="size.image"] .chart').getAttribute('aria-label');
    expect(label).toContain('serial (x86_64): 2 points');
    expect(label).toContain('serial@arm64 (arm64): 2 points');
    await screenshot(page, 'trends-size-two-arches');
    await page.close();

    const arm = await open('/trends?metric=size.image&arch=arm64');
    await waitForList(arm, latest, 'data-series', ['serial@arm64']);
    expect(await pressed(arm, 'arm64')).toBe('true');
    expect(await arm.locator('[data-testid="arch-lines"]').count()).toBe(0);
    // The numbers beside the chart: the arm64 variant's two builds.
    expect(
      (
        await arm.locator('section[data-metric="size.image"] table tbody tr td:first-child').allTextContents()
      ).map(squash),
    ).toEqual(['serial@arm64', 'serial@arm64']);
    // Chips write the URL: x86_64 instead.
    await arm.locator('button.chip[data-arch="arm64"]').click();
    await arm.locator('button.chip[data-arch="x86_64"]').click();
    await arm.waitForURL((u) => u.pathname === '/trends' && u.searchParams.get('arch') === 'x86_64');
    await waitForList(arm, latest, 'data-series', ['serial']);
    await arm.close();
  });

  it('Failures keeps the URL’s arch', async () => {
    const page = await open('/failures?arch=arm64');
    const titles = page.locator('tr[data-key] a.title');
    await titles.first().waitFor({ timeout: 15_000 });
    const arm = (await titles.allTextContents()).map(squash);
    expect(arm).toContain(ARM_CRASH);
    expect(arm).not.toContain(X86_CRASH);
    expect(await pressed(page, 'arm64')).toBe('true');
    await page.close();
    const x86 = await open('/failures?arch=x86_64');
    await x86.locator('tr[data-key] a.title').first().waitFor({ timeout: 15_000 });
    const x86Titles = (await x86.locator('tr[data-key] a.title').allTextContents()).map(squash);
    expect(x86Titles).toContain(X86_CRASH);
    expect(x86Titles).not.toContain(ARM_CRASH);
    await x86.close();
  });

  it('boot and build pages name the arch', async () => {
    const boot = await open(`/boots/${bootIds[3]}`);
    await boot.locator('[data-testid="boot-arch"]').waitFor({ timeout: 15_000 });
    expect(squash(await boot.locator('[data-testid="boot-arch"]').textContent())).toBe('arm64');
    await boot.close();
    const build = await open(`/builds/${buildIds[3]}`);
    await build.locator('[data-testid="build-arch"]').waitFor({ timeout: 15_000 });
    expect(squash(await build.locator('[data-testid="build-arch"]').textContent())).toBe('arm64');
    await build.close();
  });

  it('Compare compares boots of two arches and says that they differ', async () => {
    const page = await open(`/compare?a=${bootIds[0]}&b=${bootIds[3]}`);
    const note = page.locator('[data-testid="arch-differs"]');
    await note.waitFor({ timeout: 15_000 });
    expect(squash(await note.textContent())).toMatch(/^A is x86_64 and B is arm64: different architectures/);
    expect(squash(await page.locator('[data-testid="arch-A"]').textContent())).toBe('x86_64');
    expect(squash(await page.locator('[data-testid="arch-B"]').textContent())).toBe('arm64');
    // Still compared: the verdict and the sections are there.
    expect(squash(await page.locator('[data-testid="verdict"]').textContent())).toContain(
      'outcome booted → panic',
    );
    expect(await page.locator('[data-section="config"]').count()).toBe(1);
    await screenshot(page, 'compare-two-arches');
    await page.close();

    // One arch: no note.
    const same = await open(`/compare?a=${bootIds[1]}&b=${bootIds[3]}`);
    await same.locator('[data-testid="verdict"]').waitFor({ timeout: 15_000 });
    expect(await same.locator('[data-testid="arch-differs"]').count()).toBe(0);
    await same.close();
  });

  it('raised no page errors or CSP violations', () => {
    expect(problems).toEqual([]);
  });
});
