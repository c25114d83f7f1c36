/**
 * The Issues views follow the live feed: Debian's Chromium on an open Issues page and an
 * open issue page, while boots stream into a real collector (a throwaway PGlite, and a real
 * PostgreSQL). Issues are grouped after a boot ends, so the pages must update on the feed's
 * `issue` messages (an issue opened, or its status changed), not on the boot's end, and
 * without a reload: the list's reload on the boot's end is answered before the grouping
 * whenever the database lets other work in between (always on PostgreSQL, and on PGlite
 * since its queries take turns with I/O).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BootInput } from '../../common/types/ingest.ts';
import { backends } from '../helpers/db.ts';
import { fixtureBytes } from '../helpers/fixtures.ts';
import { launchBrowser, openWatched, type Page, type TestBrowser } from './helpers/browser.ts';
import { runBoot } from './helpers/seed.ts';
import { ensureDashboardBuilt, startServer, type TestServer } from './helpers/server.ts';

const WARNING = 'WARNING in lkdtm_WARNING';
const KASAN = 'KASAN: use-after-free Read in lkdtm_READ_AFTER_FREE';

let chrome: TestBrowser;
let boots = 0;
const problems: string[] = [];

async function boot(server: TestServer, variant: string, log: string): Promise<number> {
  const input: BootInput = {
    variant,
    target: 'qemu',
    machine: 'qemu-system-x86_64 -M microvm,acpi=off',
    accel: 'tcg',
    startedAt: new Date(Date.now() - 3_600_000 + boots * 60_000).toISOString(),
    idempotencyKey: `issues-live:${boots++}`,
  };
  return runBoot(server.url, input, new Uint8Array(fixtureBytes(log)), 'marker');
}

async function issueId(server: TestServer, title: string): Promise<number | undefined> {
  const res = await fetch(`${server.url}/api/issues?limit=100`);
  const list = (await res.json()) as { id: number; title: string }[];
  return list.find((i) => i.title === title)?.id;
}

/** The status cell of the Issues table's row for `title`, once it reads `status`. */
async function waitForRow(page: Page, title: string, status: string): Promise<void> {
  await page.waitForFunction(
    ([t, s]) =>
      [...document.querySelectorAll('table[aria-label="Issues"] tbody tr[data-issue]')].some(
        (tr) =>
          tr.querySelector('a.title')?.textContent?.trim() === t &&
          tr.querySelector('td')?.textContent?.trim() === s,
      ),
    [title, status] as const,
    { timeout: 20_000 },
  );
}

beforeAll(async () => {
  ensureDashboardBuilt();
  chrome = await launchBrowser();
}, 300_000);

afterAll(async () => {
  await chrome?.close();
});

describe.each(backends())('issues, live on $name', (backend) => {
  let server: TestServer;
  const open = (path: string) => openWatched(chrome.browser, server.url, path, problems);

  beforeAll(async () => {
    await backend.setup();
    server = await startServer(await backend.fresh());
    await boot(server, 'lkdtm', 'crashes/warning.log');
    const deadline = Date.now() + 30_000;
    while (!(await issueId(server, WARNING)) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 200));
  }, 300_000);

  afterAll(async () => {
    await server?.close();
    await backend.teardown();
  });

  it('the list and an issue page follow new issues and status changes without a reload', async () => {
    const warningId = await issueId(server, WARNING);
    expect(warningId).toBeTypeOf('number');
    const list = await open('/issues');
    await waitForRow(list, WARNING, 'new');
    const detail = await open(`/issues/${warningId}`);
    await detail.getByTestId('issue-status').filter({ hasText: 'new' }).waitFor();
    // Both pages are loaded and subscribed: nothing below reloads them.
    let navigations = 0;
    for (const p of [list, detail]) p.on('framenavigated', (f) => f.parentFrame() === null && navigations++);

    // A clean boot of the variant: the WARNING is no longer new but known, on both pages.
    await boot(server, 'lkdtm', 'logs/03-exec-no-net.log');
    await waitForRow(list, WARNING, 'known');
    await detail.getByTestId('issue-status').filter({ hasText: 'known' }).waitFor({ timeout: 20_000 });

    // A boot that crashes otherwise opens a new issue: it appears in the open list, though
    // the list's reload on the boot's end came before the issue existed.
    await boot(server, 'lkdtm', 'crashes/kasan_uaf_read.log');
    await waitForRow(list, KASAN, 'new');
    expect(navigations).toBe(0);
    await list.close();
    await detail.close();
  });
});

it('had no page errors and no CSP violations', () => {
  expect(problems).toEqual([]);
});
