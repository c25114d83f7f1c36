/**
 * The dashboard end to end: Debian's Chromium against a real collector (collector/server/app.ts
 * listening on 127.0.0.1) on a throwaway PGlite, seeded through the real ingest path with the
 * real fixture logs. Every view is checked for the numbers and names the fixtures give, and
 * screenshotted in light and dark to test-artifacts/dashboard/.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BootDetail } from '../../common/types/api.ts';
import { launchBrowser, openPage, type Page, screenshot, type TestBrowser } from './helpers/browser.ts';
import { post, type SeededLab, seedLab } from './helpers/seed.ts';
import { ensureDashboardBuilt, startServer, type TestServer } from './helpers/server.ts';

let server: TestServer;
let lab: SeededLab;
let chrome: TestBrowser;
/** Uncaught errors in any page: there must be none. */
const pageErrors: string[] = [];

beforeAll(async () => {
  ensureDashboardBuilt();
  server = await startServer();
  // Chromium starts while the lab is seeded: neither needs the other.
  [lab, chrome] = await Promise.all([seedLab(server.url), launchBrowser()]);
}, 300_000);

afterAll(async () => {
  await chrome?.close();
  await server?.close();
});

async function open(path: string, scheme: 'light' | 'dark' = 'light'): Promise<Page> {
  const page = await openPage(chrome.browser, scheme);
  page.on('pageerror', (e) => pageErrors.push(`${path}: ${e.message}`));
  await page.goto(`${server.url}${path}`);
  return page;
}

/** Text of the first match, whitespace collapsed. */
async function text(page: Page, selector: string): Promise<string> {
  const t = await page.locator(selector).first().textContent({ timeout: 10_000 });
  return (t ?? '').replace(/\s+/g, ' ').trim();
}

async function texts(page: Page, selector: string): Promise<string[]> {
  await page.locator(selector).first().waitFor({ timeout: 10_000 });
  return (await page.locator(selector).allTextContents()).map((t) => t.replace(/\s+/g, ' ').trim());
}

/**
 * Screenshots of a path in both schemes, once its `ready` selector shows; `holder` (default:
 * `ready`) must be visible and hold `shows`, so each screenshot is of what it claims.
 */
async function shoot(
  path: string,
  name: string,
  ready: string,
  shows: string,
  holder = ready,
): Promise<void> {
  for (const scheme of ['light', 'dark'] as const) {
    const page = await open(path, scheme);
    await page.locator(ready).first().waitFor({ timeout: 10_000 });
    await page.waitForLoadState('networkidle');
    expect(await page.locator(holder).first().isVisible()).toBe(true);
    expect(await text(page, holder)).toContain(shows);
    await screenshot(page, `${name}-${scheme}`);
    await page.close();
  }
}

const latest = (variant: string) => lab.boots[variant].at(-1)!;

async function bootDetail(id: number): Promise<BootDetail> {
  return (await (await fetch(`${server.url}/api/boots/${id}`)).json()) as BootDetail;
}

describe('overview', () => {
  it("shows each variant's latest build and boot with the fixtures' outcomes, sizes and diagnosis", async () => {
    const page = await open('/');
    const row = (v: string) => `tr[data-variant="${v}"]`;
    await page.locator(row('05-net')).waitFor();
    expect(await texts(page, 'table[aria-label="Variants"] tbody tr td.name a')).toEqual([
      '01-serial',
      '02-initrd',
      '03-exec',
      '05-net',
      '07-block',
      'debian-6.1',
    ]);
    expect(await text(page, `${row('02-initrd')} [data-outcome]`)).toBe('panic');
    expect(await text(page, `${row('02-initrd')} .diag`)).toBe('CONFIG_BINFMT_SCRIPT');
    expect(await page.locator(`${row('02-initrd')} .diag`).getAttribute('href')).toBe(
      `/boots/${latest('02-initrd')}#L81`,
    );
    expect(await text(page, `${row('01-serial')} .reason`)).toBe(
      'VFS: Unable to mount root fs on unknown-block(0,0)',
    );
    // 05-net: 1,634,304 bytes now, 4,096 more than its previous build; init at 0.857 s (the 05 log).
    const cells = await texts(page, `${row('05-net')} td`);
    expect(cells[1]).toContain('booted');
    expect(cells[2]).toBe('0.857 s');
    expect(cells[3]).toBe('1.56 MiB');
    expect(cells[4]).toBe('+4.0 KiB');
    expect(cells[5]).toBe('1m 13s');
    expect(await text(page, `${row('03-exec')} td:nth-child(5)`)).toBe('−1.0 KiB');
    // The newest regression: 03-exec went from booted to panic, judged against its last good boot.
    const run = page.locator('.change-list > li.open[data-variant="03-exec"]').first();
    expect(await run.locator('.findings li[data-kind="outcome"] .ftitle').textContent()).toMatch(
      /^outcome booted → panic/,
    );
    const [good, bad] = lab.boots['03-exec'].slice(-2);
    expect(await run.locator('a.cmp').getAttribute('href')).toBe(`/compare?a=${good}&b=${bad}`);
    await page.close();
  });

  it('filters and sorts from the URL, and back/forward restore them', async () => {
    const page = await open('/?outcome=panic&sort=-image');
    await page.locator('tr[data-variant]').first().waitFor();
    expect(await texts(page, 'table[aria-label="Variants"] tbody td.name a')).toEqual([
      '03-exec',
      '02-initrd',
      '01-serial',
    ]);
    await page
      .getByRole('button', { name: /^booted/ })
      .first()
      .click();
    await page.waitForURL(/outcome=panic%2Cbooted|outcome=panic,booted/);
    expect(await page.locator('table[aria-label="Variants"] tbody tr[data-variant]').count()).toBe(6);
    await page.goBack();
    await page.waitForURL(/outcome=panic&/);
    expect(await page.locator('table[aria-label="Variants"] tbody tr[data-variant]').count()).toBe(3);
    // The boots table: only 03-exec's boots when filtered by variant.
    await page.locator('select').first().selectOption('03-exec');
    await page.waitForURL(/bv=03-exec/);
    await page.waitForFunction(
      () => document.querySelectorAll('table[aria-label="Boots"] tbody tr').length === 3,
    );
    expect(await texts(page, 'table[aria-label="Boots"] tbody td:nth-child(2)')).toEqual([
      '03-exec',
      '03-exec',
      '03-exec',
    ]);
    await page.close();
  });

  it('screenshots', async () => {
    await shoot('/', 'overview', 'tr[data-variant="05-net"]', '05-net');
  });
});

describe('boot detail', () => {
  it('shows the panic of 02 with its reason, milestones, diagnosis linked to line 81, and the console', async () => {
    const id = latest('02-initrd');
    const page = await open(`/boots/${id}`);
    await page.locator('[data-testid="panic"]').waitFor();
    expect(await text(page, '.title-row [data-outcome]')).toBe('panic');
    expect(await text(page, '[data-testid="panic"] .reason')).toBe(
      'No working init found. Try passing init= option to kernel. See Linux Documentation/admin-guide/init.rst for guidance.',
    );
    expect(await page.locator('[data-testid="panic"]').getAttribute('href')).toBe('#L86');
    const ms = async (name: string) => text(page, `li[data-milestone="${name}"] .time`);
    expect(await ms('kernel_start')).toBe('0.000 s');
    expect(await ms('console')).toBe('0.063 s');
    expect(await ms('initramfs')).toBe('0.247 s');
    expect(await ms('init_start')).toBe('not reached');
    expect(await texts(page, '.diagnosis li .option')).toEqual([
      'CONFIG_BINFMT_SCRIPT',
      'CONFIG_BINFMT_ELF',
      'CONFIG_64BIT',
    ]);
    const evidence = page.locator('li[data-option="CONFIG_BINFMT_SCRIPT"] a.evidence');
    expect(await evidence.getAttribute('href')).toBe('#L81');
    await page.locator('[id="L98"]').waitFor();
    await evidence.click();
    await page.waitForURL(/#L81$/);
    const line81 = page.locator('[id="L81"]');
    expect(await line81.getAttribute('class')).toMatch(/\bevidence\b.*\btarget\b|\btarget\b.*\bevidence\b/);
    expect((await line81.textContent())?.replace(/\s+/g, ' ')).toContain(
      'Failed to execute /init (error -2)',
    );
    // Crash title in syzbot style, and the line that says it is flagged.
    expect(await text(page, '.crashes .title')).toBe(
      'kernel panic: No working init found. Try passing init= option to kernel. See Linux Documentation/admin-guide/init.rst f',
    );
    expect(await page.locator('[id="L86"]').getAttribute('class')).toContain('crash');
    // A fresh page opened at #L81 scrolls to it once the console has loaded.
    const deep = await open(`/boots/${id}#L81`);
    await deep.locator('[id="L81"].target').waitFor();
    expect(await deep.locator('[id="L81"]').isVisible()).toBe(true);
    await deep.close();
    await page.close();
  });

  it('filters events by kind, errno and driver from the URL', async () => {
    const id = latest('02-initrd');
    const page = await open(`/boots/${id}?kind=init_exec`);
    await page.locator('table.events tbody tr[data-kind]').first().waitFor();
    expect(await texts(page, 'table.events tbody td.subj')).toEqual([
      '/init',
      '/sbin/init',
      '/etc/init',
      '/bin/init',
      '/bin/sh',
    ]);
    await page.close();
    const net = await open(`/boots/${latest('05-net')}?kind=probe&driver=e1000`);
    await net.locator('table.events tbody tr[data-kind="probe"]').first().waitFor();
    const subjects = await texts(net, 'table.events tbody td.subj');
    expect(subjects.length).toBeGreaterThan(0);
    expect(subjects.every((s) => s.startsWith('e1000'))).toBe(true);
    await net.close();
  });

  it('shows the initcall waterfall of 07 slowest first with the tail summarised', async () => {
    const id = latest('07-block');
    const detail = await bootDetail(id);
    const sorted = [...detail.initcalls].sort((a, b) => b.usecs - a.usecs);
    expect(sorted.length).toBe(260);
    const page = await open(`/boots/${id}`);
    await page.locator('table.waterfall tbody tr').first().waitFor();
    const fns = await texts(page, 'table.waterfall tbody td.fn');
    expect(fns.length).toBe(25);
    expect(fns.slice(0, 2)).toEqual([sorted[0].fn, sorted[1].fn]);
    expect(fns[0]).toBe('e1000_init_module');
    expect(await text(page, 'table.waterfall tbody tr:first-child td:nth-child(4)')).toBe('417.0 ms');
    expect(await text(page, '.tail')).toContain('+ 235 more initcalls');
    await page.close();
  });

  it('shows build facts: config fragments, dropped options, warnings and sizes', async () => {
    const page = await open(`/boots/${latest('07-block')}`);
    await page.locator('table[aria-label="Dropped options"]').waitFor();
    expect(await text(page, 'table[aria-label="Dropped options"] tbody td:first-child')).toBe(
      'CONFIG_DEBUG_INFO_BTF',
    );
    expect(await texts(page, 'table[aria-label="Image sizes"] tbody td:nth-child(2)')).toEqual([
      '2,293,760',
      '4,999,680',
      '1,789,133',
      '481,690',
      '262,144',
    ]);
    expect(await texts(page, '.frags .tag')).toEqual([
      'allnoconfig',
      '01-serial',
      '02-initrd',
      '03-exec',
      '04-procfs',
      '05-net',
      '06-timers',
      '07-block',
    ]);
    expect(await text(page, '.block details summary')).toContain('1 compiler warning');
    await page.close();
  });

  it('shows console text as text: a <script> line is not run', async () => {
    const log = `Linux version 6.1.192 (root@vm) #1\n[    0.100000] hello\n<script>alert(1)</script>\n<img src=x onerror=alert(2)>\n\u001b[31mred\u001b[0m text\n`;
    const { id } = await post<{ id: number }>(server.url, '/api/logs', new TextEncoder().encode(log));
    const page = await open(`/boots/${id}`);
    let dialogs = 0;
    page.on('dialog', async (d) => {
      dialogs++;
      await d.dismiss();
    });
    await page.locator('[id="L3"]').waitFor();
    expect(await text(page, '[id="L3"] .txt')).toBe('<script>alert(1)</script>');
    expect(await text(page, '[id="L4"] .txt')).toBe('<img src=x onerror=alert(2)>');
    expect(await text(page, '[id="L5"] .txt')).toBe('red text');
    expect(await page.locator('.console script, .console img').count()).toBe(0);
    await page.waitForTimeout(300);
    expect(dialogs).toBe(0);
    await page.close();
  });

  it('screenshots', async () => {
    await shoot(
      `/boots/${latest('02-initrd')}#L81`,
      'boot-02-panic',
      '[id="L81"].target',
      'Failed to execute /init (error -2)',
    );
    await shoot(`/boots/${latest('07-block')}`, 'boot-07-initcalls', 'table.waterfall', 'e1000_init_module');
  });
});

describe('compare', () => {
  it('is one click from a failed boot and shows the config, size, event and milestone differences', async () => {
    const [good, bad] = lab.boots['03-exec'].slice(-2);
    const page = await open(`/boots/${bad}`);
    const button = page.locator('[data-testid="compare-last-good"]');
    await button.waitFor();
    expect(await text(page, '[data-testid="compare-last-good"]')).toBe(
      `Compare with last good boot #${good}`,
    );
    await button.click();
    await page.waitForURL(new RegExp(`/compare\\?a=${good}&b=${bad}$`));
    await page.locator('[data-section="config"] tr[data-option]').first().waitFor();
    // diffconfig: the one option that changed.
    expect(await page.locator('[data-section="config"] tbody tr').count()).toBe(1);
    expect(await texts(page, '[data-section="config"] tbody td')).toEqual([
      '~',
      'CONFIG_BINFMT_SCRIPT',
      'y',
      'n',
    ]);
    // bloat-o-meter: the script handler's symbols are gone.
    await page.locator('[data-section="sizes"] tr[data-symbol]').first().waitFor();
    expect(await text(page, '[data-section="sizes"] tr[data-symbol="load_script"] td:nth-child(5)')).toBe(
      '−612',
    );
    expect(await text(page, '[data-section="sizes"] tr[data-symbol="script_format"] td:nth-child(5)')).toBe(
      '−96',
    );
    expect(await text(page, '[data-testid="size-total-delta"]')).toBe('−708');
    expect(await text(page, '[data-section="sizes"] .summary')).toContain(
      'add/remove: 0/2 grow/shrink: 0/0 up/down: ±0/−708',
    );
    // Troubles: the panic and the failed exec of /init appeared; 03's missing-socket errors vanished.
    const appeared = await texts(page, '[data-testid="events-appeared"] tbody tr');
    expect(appeared.some((t) => t.includes('kernel panic: No working init found.'))).toBe(true);
    expect(appeared.some((t) => t.includes('Failed to execute /init (error -2)'))).toBe(true);
    const vanished = await texts(page, '[data-testid="events-vanished"] tbody tr');
    expect(vanished.some((t) => t.includes('ip: socket: Function not implemented'))).toBe(true);
    expect(
      await text(page, '[data-section="milestones"] tr[data-milestone="init_start"] td:nth-child(2)'),
    ).toBe('0.483 s');
    expect(
      await text(page, '[data-section="milestones"] tr[data-milestone="init_start"] td:nth-child(3)'),
    ).toBe('not reached');
    expect(await text(page, '[data-testid="verdict"]')).toContain('outcome booted → panic');
    await page.close();
  });

  it('compares initcall times between two boots of 07', async () => {
    const [a, b] = lab.boots['07-block'].slice(-2);
    const page = await open(`/compare?a=${a}&b=${b}`);
    await page.locator('[data-section="initcalls"]').waitFor();
    // The same log twice: every initcall took the same time.
    expect(await text(page, '[data-section="initcalls"] tbody tr:first-child td:nth-child(4)')).toBe('±0');
    expect(await text(page, '[data-section="config"] .empty')).toBe('Same config.');
    await page.close();
  });

  it('screenshots', async () => {
    const [good, bad] = lab.boots['03-exec'].slice(-2);
    await shoot(
      `/compare?a=${good}&b=${bad}`,
      'compare',
      '[data-section="sizes"] tr[data-symbol]',
      'load_script',
      '[data-section="sizes"]',
    );
  });
});

describe('trends', () => {
  it('charts and tabulates the numbers, and keeps the zoom window in the URL', async () => {
    const page = await open('/trends?variant=05-net&metric=size.image');
    await page.locator('section[data-metric="size.image"] canvas').waitFor();
    const table = 'section[data-metric="size.image"] table tbody';
    await page.locator(`${table} tr`).first().waitFor();
    expect(await texts(page, `${table} td:nth-child(4)`)).toEqual([
      '1.56 MiB',
      '1.55 MiB',
      '1.55 MiB',
      '1.55 MiB',
    ]);
    expect(await texts(page, `${table} td:nth-child(5)`)).toEqual(['+4.0 KiB', '+4.0 KiB', '+4.0 KiB', '']);
    const builds = lab.builds['05-net'];
    expect(await page.locator(`${table} tr:first-child a`).getAttribute('href')).toBe(
      `/builds/${builds.at(-1)}`,
    );
    // The chart names what it shows for screen readers.
    expect(
      await page.locator('section[data-metric="size.image"] .chart').getAttribute('aria-label'),
    ).toContain('bzImage size. 05-net: 4 points, latest 1.56 MiB');
    // Keyboard zoom: the window goes to the URL and the table follows it.
    await page.locator('section[data-metric="size.image"] .chart').focus();
    await page.keyboard.press('+');
    await page.waitForURL(/from=.*to=/);
    const rows = await page.locator(`${table} tr`).count();
    expect(rows).toBeLessThan(4);
    await page.goBack();
    await page.waitForURL((u) => !u.search.includes('from='));
    await page.waitForFunction((sel) => document.querySelectorAll(sel).length === 4, `${table} tr`);
    await page.close();
  });

  it('opens a build from a click on its point', async () => {
    const page = await open('/trends?variant=05-net&metric=size.image');
    const canvas = page.locator('section[data-metric="size.image"] canvas');
    await canvas.waitFor();
    await page.waitForLoadState('networkidle');
    // The newest point sits at the right end of the plot area, at its own height: find it by hovering.
    const box = (await canvas.boundingBox())!;
    let opened = false;
    for (let y = box.y + 8; y < box.y + box.height - 20 && !opened; y += 4) {
      await page.mouse.click(box.x + box.width - 10, y);
      opened = page.url().includes('/builds/');
    }
    expect(page.url()).toMatch(new RegExp(`/builds/${lab.builds['05-net'].at(-1)}$`));
    await page.close();
  });

  it('screenshots', async () => {
    await shoot(
      '/trends',
      'trends',
      'section[data-metric="size.image"] canvas',
      'MiB',
      'section[data-metric="size.image"]',
    );
  });
});

describe('failures', () => {
  it('groups the same failure across variants and says since when', async () => {
    const page = await open('/failures');
    const group = page.locator('tr[data-key^="crash:kernel panic: No working init found"]');
    await group.waitFor();
    expect(
      (await group.locator('.variants .tag').allTextContents()).map((t) => t.replace(/new$/, '')),
    ).toEqual(['02-initrd', '03-exec']);
    // Known: 02-initrd has always failed so, since its first build.
    expect(await text(page, 'tr[data-key^="crash:kernel panic: No working init found"] .status')).toBe(
      'known',
    );
    expect(await group.locator('td:nth-child(4)').textContent()).toBe('3');
    expect((await group.locator('.title-cell .small').textContent())?.replace(/\s+/g, ' ').trim()).toBe(
      `the same failure in 2 variants since build #${lab.builds['02-initrd'][0]}`,
    );
    const vfs = page.locator(
      'tr[data-key="crash:kernel panic: VFS: Unable to mount root fs on unknown-block(0,0)"]',
    );
    expect(await vfs.locator('td:nth-child(4)').textContent()).toBe('2');
    await page.close();
  });

  it('screenshots', async () => {
    await shoot(
      '/failures',
      'failures',
      'tr[data-key]',
      '02-initrd',
      'tr[data-key^="crash:kernel panic: No working init found"]',
    );
  });
});

describe('live', () => {
  it('shows a console line the runner sends while the page is open', async () => {
    const { id } = await post<{ id: number }>(server.url, '/api/boots', {
      variant: 'live-test',
      target: 'qemu',
    });
    const first = new TextEncoder().encode('[    0.000000] Linux version 6.1.192 (root@vm) #1\n');
    await post(server.url, `/api/boots/${id}/console?offset=0`, first);
    const page = await open(`/live/${id}`);
    await page.locator('[id="L1"]').waitFor();
    await page.waitForLoadState('networkidle');
    const line = '[    0.061531] printk: console [ttyS0] enabled\n';
    await post(server.url, `/api/boots/${id}/console?offset=${first.length}`, new TextEncoder().encode(line));
    // Pushed, not polled; how fast is `bootwatch bench --only runner-feed`'s figure.
    await page.locator('[id="L2"]').waitFor({ timeout: 10_000 });
    expect(await text(page, '[id="L2"] .txt')).toBe('[ 0.061531] printk: console [ttyS0] enabled');
    // The milestone lights up as the parser sees it.
    await page.locator('li[data-milestone="console"].reached').waitFor({ timeout: 2000 });
    await screenshot(page, 'live-light');
    await post(server.url, `/api/boots/${id}/finish`, { endReason: 'timeout' });
    await page.locator('.boot-head [data-outcome="stalled"]').waitFor({ timeout: 3000 });
    await page.close();
  });

  it('screenshots a boot in progress in dark', async () => {
    const { id } = await post<{ id: number }>(server.url, '/api/boots', {
      variant: 'live-test',
      target: 'qemu',
    });
    const page = await open('/live', 'dark');
    await page.locator(`.boot-head`).waitFor();
    await page.waitForLoadState('networkidle');
    // Build progress is pushed, never stored: it shows on pages open when it comes.
    await post(server.url, '/api/builds/progress', {
      variant: '06-timers',
      phase: 'compile',
      percent: 42,
      message: 'CC      kernel/fork.o',
    });
    await page.locator('li.build[data-variant="06-timers"]').waitFor({ timeout: 2000 });
    expect(await text(page, 'li.build[data-variant="06-timers"] .msg')).toBe('CC kernel/fork.o');
    const log = new TextEncoder().encode(
      '[    0.000000] Linux version 6.1.192 (root@vm) #1\n[    0.061531] printk: console [ttyS0] enabled\n[    0.200000] Run /init as init process\n',
    );
    await post(server.url, `/api/boots/${id}/console?offset=0`, log);
    await page.locator('[id="L3"]').waitFor();
    await screenshot(page, 'live-dark');
    await page.close();
  });
});

describe('the shell', () => {
  it('switches theme with the toggle', async () => {
    const page = await open('/');
    await page.locator('tr[data-variant]').first().waitFor();
    const themeButton = page.locator('button.theme');
    await themeButton.click();
    expect(await page.evaluate(() => document.documentElement.dataset.theme)).toBe('light');
    await themeButton.click();
    expect(await page.evaluate(() => document.documentElement.dataset.theme)).toBe('dark');
    await themeButton.click();
    expect(await page.evaluate(() => document.documentElement.dataset.theme)).toBeUndefined();
    await page.close();
  });

  it('is keyboard reachable from the top of the page', async () => {
    const page = await open('/');
    await page.locator('tr[data-variant]').first().waitFor();
    // Tab from the top: the skip link, the brand, then the views.
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent?.trim())).toBe('Skip to content');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent?.trim())).toBe('Overview');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/trends$/);
    await page.close();
  });

  it('answers unknown pages and missing boots with a message', async () => {
    const page = await open('/boots/999999');
    expect(await text(page, '[role="alert"]')).toContain('boot.not_found');
    await page.goto(`${server.url}/nowhere`);
    expect(await text(page, 'h1')).toBe('Not found');
    await page.close();
  });

  it('raised no page errors', () => {
    expect(pageErrors).toEqual([]);
  });
});
