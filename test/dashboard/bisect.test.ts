/**
 * The Bisect views end to end: Debian's Chromium against a real collector on a throwaway
 * PGlite. A real bisection (collector/analysis/bisect.ts on the simulated oracle, its good
 * side known from a stored boot of a real fixture log) is put through PUT /api/bisections
 * mid-run and again with its report while the list is open: the list follows live, and the
 * detail shows the culprit, the budget and every step with its link to the boot.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BisectState, bisect } from '../../collector/analysis/bisect.ts';
import type { BisectionInput } from '../../common/types/api.ts';
import { netOracle } from '../helpers/bisect-oracle.ts';
import { fixtureBytes } from '../helpers/fixtures.ts';
import { launchBrowser, openPage, type Page, screenshot, type TestBrowser } from './helpers/browser.ts';
import { post } from './helpers/seed.ts';
import { ensureDashboardBuilt, startServer, type TestServer } from './helpers/server.ts';

const KEY = '5e1f0c2a9b7d3e41';
let server: TestServer;
let chrome: TestBrowser;
let bootId: number;
let running: BisectionInput;
let done: BisectionInput;
const pageErrors: string[] = [];

beforeAll(async () => {
  ensureDashboardBuilt();
  server = await startServer();
  chrome = await launchBrowser();
  // The good side booted before, in the history: the bisection takes its outcome from that boot.
  ({ id: bootId } = await post<{ id: number }>(
    server.url,
    '/api/logs?variant=05-net&target=import',
    fixtureBytes('logs/05-net-e1000.log'),
  ));
  const o = netOracle();
  const known = { good: { verdict: 'good' as const, outcome: 'booted', bootId, buildId: null } };
  let mid: BisectState | null = null;
  const { state, report } = await bisect(
    { ...o.input, known },
    {
      ...o.deps,
      onStep: (s) => {
        if (s.steps.length === 2) mid = structuredClone(s);
      },
    },
  );
  const base = { variant: '05-net', good: '04-procfs', bad: '05-net', maxBuilds: 24, agent: 'lab-agent-1' };
  running = { ...base, status: 'running', builds: mid!.builds, state: mid!, report: null };
  done = { ...base, status: report.status, builds: report.builds, state, report };
}, 300_000);

afterAll(async () => {
  await chrome?.close();
  await server?.close();
});

async function put(body: BisectionInput): Promise<number> {
  const res = await fetch(`${server.url}/api/bisections/${KEY}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`PUT: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { id: number }).id;
}

async function open(path: string, scheme: 'light' | 'dark' = 'light'): Promise<Page> {
  const page = await openPage(chrome.browser, scheme);
  page.on('pageerror', (e) => pageErrors.push(`${path}: ${e.message}`));
  await page.goto(`${server.url}${path}`);
  return page;
}

const text = async (page: Page, selector: string) =>
  ((await page.locator(selector).first().textContent({ timeout: 10_000 })) ?? '').replace(/\s+/g, ' ').trim();

describe('bisect views', () => {
  it('lists a running bisection, follows it live to its culprit, and opens its steps', async () => {
    const id = await put(running);
    const page = await open('/bisect');
    const row = page.locator(`table[aria-label="Bisections"] tr[data-id="${id}"]`);
    await row.waitFor({ timeout: 10_000 });
    expect(await page.locator('nav a[aria-current="page"]').textContent()).toBe('Bisect');
    expect(await row.getAttribute('data-status')).toBe('running');
    expect(await text(page, `tr[data-id="${id}"] .sides a`)).toBe('04-procfs → 05-net');
    // Two steps, one build: the good side's outcome came from its stored boot.
    expect(await text(page, `tr[data-id="${id}"] .budget .n`)).toBe('1 / 24');

    // The runner's last put reaches the open page over the feed, no reload.
    await put(done);
    await page.locator(`tr[data-id="${id}"][data-status="found"]`).waitFor({ timeout: 10_000 });
    expect(await text(page, `tr[data-id="${id}"] .culprit`)).toBe('CONFIG_E1000');
    expect(await text(page, `tr[data-id="${id}"] .budget .n`)).toBe(`${done.builds} / 24`);
    await screenshot(page, 'bisect-list-light');

    await page.locator(`tr[data-id="${id}"] td:first-child a`).click();
    await page.waitForURL(`**/bisect/${id}`);
    await page.locator('table[aria-label="Steps"] tbody tr[data-step]').first().waitFor({ timeout: 10_000 });
    expect(await text(page, 'h1')).toBe(`Bisection #${id}`);
    expect(await text(page, '.page-head [data-status]')).toBe('found');
    expect(await text(page, '[data-field="builds"] .n')).toBe(`${done.builds} / 24`);
    expect(await text(page, '[data-field="message"]')).toBe(done.report!.message);
    expect(await text(page, '.culprits li[data-option="CONFIG_E1000"] .culprit')).toBe('CONFIG_E1000');
    expect(await text(page, '.culprits li[data-option="CONFIG_E1000"]')).toContain(
      'unset in good → y in bad',
    );

    const steps = done.report!.steps;
    expect(await page.locator('table[aria-label="Steps"] tbody tr[data-step]').count()).toBe(steps.length);
    // Step 1 is the good side, known from the stored boot: cached, linked to that boot.
    const first = page.locator('tr[data-step="1"]');
    expect(await first.getAttribute('data-verdict')).toBe('good');
    expect(await first.locator('td:nth-child(4)').textContent()).toBe('cached');
    expect(await first.locator('.outcome a').getAttribute('href')).toBe(`/boots/${bootId}`);
    // Every step that tried the culprit is marked, the culprit highlighted among its options.
    const withCulprit = steps.filter((s) => s.phase !== 'endpoint' && s.tried.includes('CONFIG_E1000'));
    expect(withCulprit.length).toBeGreaterThan(0);
    expect(await page.locator('tr.culprit-row').count()).toBe(withCulprit.length);
    for (const s of withCulprit) {
      const r = page.locator(`tr[data-step="${s.n}"]`);
      expect(await r.getAttribute('data-verdict')).toBe(s.verdict);
      expect(await r.locator('.opt.culprit').first().textContent()).toBe('CONFIG_E1000');
    }
    await screenshot(page, 'bisect-detail-light');
    await page.close();
  });

  it('screenshots in dark', async () => {
    for (const path of ['/bisect', '/bisect/1']) {
      const page = await open(path, 'dark');
      const row = page.locator('table.grid tbody tr').first();
      await row.waitFor({ timeout: 10_000 });
      await page.waitForLoadState('networkidle');
      expect(await row.isVisible()).toBe(true);
      expect(await row.textContent()).toContain(path === '/bisect' ? 'CONFIG_E1000' : 'cached');
      await screenshot(page, `bisect-${path === '/bisect' ? 'list' : 'detail'}-dark`);
      await page.close();
    }
  });

  it('raised no page errors', () => {
    expect(pageErrors).toEqual([]);
  });
});
