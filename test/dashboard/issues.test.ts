/**
 * The Issues view end to end: Debian's Chromium against a real collector on a throwaway PGlite,
 * fed real crash logs (test/fixtures/crashes/) the way a runner streams them. The collector groups
 * their reports into issues; the pages must show those issues, filter them from the URL, lead from
 * an issue to the Compare view of the boot before it appeared and the boot it first appeared in,
 * and be linked from a boot's page and from the Failures page.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BootInput } from '../../common/types/ingest.ts';
import { fixtureBytes } from '../helpers/fixtures.ts';
import {
  launchBrowser,
  openPage,
  type Page,
  screenshot,
  type TestBrowser,
  watchProblems,
} from './helpers/browser.ts';
import { runBoot } from './helpers/seed.ts';
import { ensureDashboardBuilt, startServer, type TestServer } from './helpers/server.ts';

interface Issue {
  id: number;
  kind: string;
  title: string;
  status: string;
  count: number;
  variants: string[];
}

const WARNING = 'WARNING in lkdtm_WARNING';
const KASAN = 'KASAN: use-after-free Read in lkdtm_READ_AFTER_FREE';
const KFENCE = 'KFENCE: use-after-free read in test_use_after_free_read';

/** Boots in the order they ran, an hour apart: the variant and the console it printed. */
const RUNS = [
  { variant: 'lkdtm', log: 'logs/03-exec-no-net.log' },
  { variant: 'lkdtm', log: 'crashes/warning.log' },
  { variant: 'lkdtm-debug', log: 'crashes/warning.log' },
  { variant: 'lkdtm', log: 'crashes/warning.log' },
  { variant: 'lkdtm', log: 'crashes/kasan_uaf_read.log' },
  { variant: 'lkdtm-debug', log: 'crashes/kfence_uaf.log' },
  // Debian's arm64 kernel: a sysrq crash (and, as its boot failed, the errors it printed).
  { variant: 'arm64-debian', log: 'crashes-arm64/sysrq_crash.log' },
] as const;
const SYSRQ = 'kernel panic: sysrq triggered crash';
const T0 = Date.now() - 2 * 86_400_000;

let server: TestServer;
let chrome: TestBrowser;
/** Boot ids in RUNS order. */
const bootIds: number[] = [];
/** What the collector grouped, by title. */
const issues = new Map<string, Issue>();
/** Uncaught errors and CSP violations in any page: there must be none. */
const problems: string[] = [];

async function getIssues(query = ''): Promise<Issue[]> {
  const res = await fetch(`${server.url}/api/issues${query}`);
  expect(res.status).toBe(200);
  return (await res.json()) as Issue[];
}

beforeAll(async () => {
  ensureDashboardBuilt();
  server = await startServer();
  for (const [n, run] of RUNS.entries()) {
    const input: BootInput = {
      variant: run.variant,
      target: 'qemu',
      machine: 'qemu-system-x86_64 -M microvm,acpi=off',
      accel: 'tcg',
      startedAt: new Date(T0 + n * 3_600_000).toISOString(),
      idempotencyKey: `issues:${n}`,
    };
    bootIds.push(await runBoot(server.url, input, new Uint8Array(fixtureBytes(run.log)), 'marker'));
  }
  // Issues are grouped in the background once a boot finishes: wait for the last boot's.
  const deadline = Date.now() + 30_000;
  while (!(await getIssues(`?boot=${bootIds.at(-1)}`)).length && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 200));
  for (const i of await getIssues('?limit=1000')) issues.set(i.title, i);
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

/** Whitespace collapsed. */
const squash = (t: string | null) => (t ?? '').replace(/\s+/g, ' ').trim();

/** Each row of the Issues table as [status, kind, title, variants, boots]. */
async function issueRows(page: Page): Promise<string[][]> {
  const rows = page.locator('table[aria-label="Issues"] tbody tr[data-issue]');
  const out: string[][] = [];
  for (const row of await rows.all()) {
    const cells = (await row.locator('td').allTextContents()).map(squash);
    out.push([cells[0], cells[1], squash(await row.locator('a.title').textContent()), cells[3], cells[4]]);
  }
  return out;
}

/** Waits until the table shows what `path`'s filters ask for (the answer to the previous filter may linger). */
async function waitForRows(page: Page, count: number): Promise<void> {
  await page.waitForFunction(
    (n) =>
      document.querySelectorAll('table[aria-label="Issues"] tbody tr[data-issue]').length === n &&
      !document.querySelector('[aria-live="polite"]'),
    count,
    { timeout: 10_000 },
  );
}

describe('the collector, as seeded', () => {
  it('grouped the crash reports into issues with new and known statuses', () => {
    // The warning appeared in both variants and in neither's latest boot: known. The KASAN and
    // KFENCE reports each first appeared in their variant's latest boot: new.
    expect(issues.get(WARNING)).toMatchObject({
      kind: 'warning',
      status: 'known',
      count: 3,
      variants: ['lkdtm', 'lkdtm-debug'],
    });
    expect(issues.get(KASAN)).toMatchObject({ kind: 'kasan', status: 'new', count: 1, variants: ['lkdtm'] });
    expect(issues.get(KFENCE)).toMatchObject({ kind: 'kfence', status: 'new', variants: ['lkdtm-debug'] });
  });
});

describe('issues view', () => {
  it('lists every issue, the most recently seen first, with status, kind, title, variants and count', async () => {
    const page = await open('/issues');
    await page.locator('tr[data-issue]').first().waitFor();
    const rows = await issueRows(page);
    const expected = await getIssues('?limit=1000');
    expect(rows.map((r) => r[2])).toEqual(expected.map((i) => i.title));
    const kfence = rows.findIndex((r) => r[2] === KFENCE);
    const warning = rows.findIndex((r) => r[2] === WARNING);
    expect(kfence).toBeLessThan(warning);
    expect(rows[warning]).toEqual(['known', 'warning', WARNING, 'lkdtmlkdtm-debug', '3']);
    expect(rows.find((r) => r[2] === KASAN)).toEqual(['new', 'kasan', KASAN, 'lkdtm', '1']);
    expect(await page.locator('nav a[aria-current="page"]').textContent()).toBe('Issues');
    await page.close();
  });

  it('filters by status and kind from the URL, and ignores what is not a filter value', async () => {
    const page = await open('/issues?status=new&kind=kasan,kfence');
    await waitForRows(page, 2);
    expect(await issueRows(page)).toEqual([
      ['new', 'kfence', KFENCE, 'lkdtm-debug', '1'],
      ['new', 'kasan', KASAN, 'lkdtm', '1'],
    ]);
    // The chosen filters show as pressed: the page reads them from the URL.
    expect(await page.locator('button.chip[data-status="new"]').getAttribute('aria-pressed')).toBe('true');
    expect(await page.locator('button.chip[data-status="known"]').getAttribute('aria-pressed')).toBe('false');
    expect((await page.locator('button.chip[data-kind]').allTextContents()).map(squash)).toEqual([
      'kasan ×',
      'kfence ×',
    ]);
    await screenshot(page, 'issues-new-kasan-kfence');

    // The controls write the filter into the URL: kinds removed, warning picked, known added to new.
    await page.locator('button.chip[data-kind="kasan"]').click();
    await page.locator('button.chip[data-kind="kfence"]').click();
    await page.locator('select[aria-label="Add a kind to the filter"]').selectOption('warning');
    await page.locator('button.chip[data-status="known"]').click();
    await page.waitForURL(
      (u) =>
        u.pathname === '/issues' &&
        u.searchParams.get('status') === 'new,known' &&
        u.searchParams.get('kind') === 'warning',
    );
    await waitForRows(page, 1);
    expect(await issueRows(page)).toEqual([['known', 'warning', WARNING, 'lkdtmlkdtm-debug', '3']]);
    await page.close();

    // A status the collector does not know, and a kind no kind is spelled like, are left out
    // of the request (no 400) and named on the page.
    const odd = await open('/issues?status=known,bogus&kind=warning,Not%20a%20kind');
    await waitForRows(odd, 1);
    expect(await issueRows(odd)).toEqual([['known', 'warning', WARNING, 'lkdtmlkdtm-debug', '3']]);
    expect(squash(await odd.locator('[data-testid="ignored"]').textContent())).toBe(
      'Ignored in the address: status=bogus, kind=Not a kind',
    );
    await odd.close();

    // Nothing matches: the empty row says so and offers to clear the filters.
    const none = await open('/issues?kind=lockdep');
    await none.locator('table[aria-label="Issues"] tbody tr td[colspan]').waitFor({ timeout: 10_000 });
    expect(squash(await none.locator('table[aria-label="Issues"] tbody').textContent())).toBe(
      'No issue matches the filter. Clear filters',
    );
    await none.close();
  });

  it('filters by architecture from the URL and from its chips', async () => {
    const arm = await getIssues('?arch=arm64');
    expect(arm.map((i) => i.title)).toContain(SYSRQ);
    const page = await open('/issues?arch=arm64');
    await waitForRows(page, arm.length);
    expect((await issueRows(page)).map((r) => r[2])).toEqual(arm.map((i) => i.title));
    expect(await page.locator('button.chip[data-arch="arm64"]').getAttribute('aria-pressed')).toBe('true');
    // x86_64 instead: the arm64 crash goes, the x86 reports come.
    await page.locator('button.chip[data-arch="arm64"]').click();
    await page.locator('button.chip[data-arch="x86_64"]').click();
    await page.waitForURL((u) => u.searchParams.get('arch') === 'x86_64');
    const x86 = await getIssues('?arch=x86_64');
    await waitForRows(page, x86.length);
    const titles = (await issueRows(page)).map((r) => r[2]);
    expect(titles).toContain(KASAN);
    expect(titles).not.toContain(SYSRQ);
    await screenshot(page, 'issues-arch-x86_64');
    await page.close();
  });

  it('opens an issue: its facts, each variant with a Compare link, and the boots it appeared in', async () => {
    const warning = issues.get(WARNING)!;
    const [clean, firstLkdtm, firstDebug, lastLkdtm] = bootIds;
    const page = await open('/issues?kind=warning');
    await page.locator(`tr[data-issue="${warning.id}"] a.title`).click();
    await page.waitForURL(`${server.url}/issues/${warning.id}`);
    expect(squash(await page.locator('[data-testid="issue-title"]').textContent())).toBe(WARNING);
    expect(squash(await page.locator('[data-testid="issue-status"]').textContent())).toBe('known');
    expect(squash(await page.locator('[data-testid="issue-kind"]').textContent())).toBe('warning');
    expect(squash(await page.locator('[data-testid="issue-signature"]').textContent())).not.toBe('');

    // lkdtm booted cleanly before the warning first showed there, and showed it once more since:
    // one click compares the clean boot with the first one that had it (not the latest).
    const lkdtm = page.locator('table[aria-label="Variants of the issue"] tr[data-variant="lkdtm"]');
    const cells = (await lkdtm.locator('td').allTextContents()).map(squash);
    expect(cells.slice(0, 3)).toEqual(['lkdtm', 'known', '2']);
    expect(cells[3]).toMatch(new RegExp(`^#${firstLkdtm} `));
    expect(cells[4]).toMatch(new RegExp(`^#${lastLkdtm} `));
    expect(await lkdtm.locator('[data-testid="compare"]').getAttribute('href')).toBe(
      `/compare?a=${clean}&b=${firstLkdtm}`,
    );
    // lkdtm-debug had it from its first boot: nothing to compare with.
    const debug = page.locator('table[aria-label="Variants of the issue"] tr[data-variant="lkdtm-debug"]');
    expect(await debug.locator('[data-testid="compare"]').count()).toBe(0);
    expect(squash(await debug.locator('td').last().textContent())).toBe(
      "there since the variant's first boot",
    );

    // The boots it appeared in, newest first, each linking to the report's first line.
    const boots = page.locator('table[aria-label="Boots with the issue"] tbody tr');
    expect(await boots.evaluateAll((rows) => rows.map((r) => r.getAttribute('data-boot')))).toEqual([
      String(lastLkdtm),
      String(firstDebug),
      String(firstLkdtm),
    ]);
    expect(
      await page
        .locator('[data-testid="report-line"]')
        .evaluateAll((as) => as.map((a) => a.getAttribute('href'))),
    ).toEqual([lastLkdtm, firstDebug, firstLkdtm].map((id) => `/boots/${id}#L151`));
    await screenshot(page, 'issue-warning');

    await lkdtm.locator('[data-testid="compare"]').click();
    await page.waitForURL(`${server.url}/compare?a=${clean}&b=${firstLkdtm}`);
    const a = page.locator('section[aria-label="Boot A"] a.big');
    const b = page.locator('section[aria-label="Boot B"] a.big');
    await a.waitFor({ timeout: 10_000 });
    expect(squash(await a.textContent())).toBe(`boot #${clean}`);
    expect(squash(await b.textContent())).toBe(`boot #${firstLkdtm}`);
    expect(await page.locator('input[aria-label="Boot A id"]').inputValue()).toBe(String(clean));
    expect(await page.locator('input[aria-label="Boot B id"]').inputValue()).toBe(String(firstLkdtm));
    // And the comparison names the issue among what appeared from A to B.
    expect(
      (await page.locator('[data-testid="events-appeared"] .ttl').allTextContents()).map(squash),
    ).toContain(WARNING);
    await screenshot(page, 'issue-compare');
    await page.close();
  });

  it('answers an unknown issue with a not-found message', async () => {
    const page = await open('/issues/999999');
    const box = page.locator('.error-box');
    await box.waitFor({ timeout: 10_000 });
    expect(squash(await box.textContent())).toContain('Not found');
    await page.close();
  });
});

describe('links into issues', () => {
  it("lists a boot's issues on its page, each linking to the issue", async () => {
    const kasan = issues.get(KASAN)!;
    const page = await open(`/boots/${bootIds[4]}`);
    const list = page.locator('[data-testid="boot-issues"]');
    await list.waitFor({ timeout: 10_000 });
    const link = list.locator(`li[data-issue="${kasan.id}"] a`);
    expect(squash(await link.textContent())).toBe(KASAN);
    expect(await link.getAttribute('href')).toBe(`/issues/${kasan.id}`);
    expect(squash(await list.locator(`li[data-issue="${kasan.id}"]`).textContent())).toMatch(/^new kasan /);
    await screenshot(page, 'boot-issues');
    await link.click();
    await page.waitForURL(`${server.url}/issues/${kasan.id}`);
    expect(squash(await page.locator('[data-testid="issue-title"]').textContent())).toBe(KASAN);
    await page.close();
  });

  it('links each failure group to its issue', async () => {
    const warning = issues.get(WARNING)!;
    const page = await open('/failures');
    const row = page.locator('table tbody tr', { has: page.locator('a.title', { hasText: WARNING }) });
    await row.first().waitFor({ timeout: 10_000 });
    const link = row.first().locator('[data-testid="issue-link"]');
    await link.waitFor({ timeout: 10_000 });
    expect(await link.getAttribute('href')).toBe(`/issues/${warning.id}`);
    expect(squash(await link.textContent())).toBe(`issue #${warning.id} ›`);
    await screenshot(page, 'failures-issue-link');
    await page.close();
  });

  it('had no page errors and no CSP violations', () => {
    expect(problems).toEqual([]);
  });
});
