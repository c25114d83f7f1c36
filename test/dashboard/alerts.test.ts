/**
 * The Alerts view end to end: Debian's Chromium against a real collector on a throwaway PGlite.
 * A subscription made in the page reaches a real webhook receiver on 127.0.0.1 when a boot
 * streamed as a runner does shows a new issue; the receiver fails once, and the page shows
 * the delivery with both attempts; the signing secret is shown once; deleting removes it.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Delivery, Subscription } from '../../common/types/api.ts';
import { startHttpReceiver, until } from '../helpers/alert-receivers.ts';
import { fixtureBytes } from '../helpers/fixtures.ts';
import { launchBrowser, openPage, screenshot, type TestBrowser } from './helpers/browser.ts';
import { runBoot } from './helpers/seed.ts';
import { ensureDashboardBuilt, startServer, type TestServer } from './helpers/server.ts';

process.env.BOOTWATCH_ALERT_WINDOW_MS = '200';
process.env.BOOTWATCH_ALERT_RETRY_MS = '300';

let server: TestServer;
let chrome: TestBrowser;
let receiver: Awaited<ReturnType<typeof startHttpReceiver>>;

beforeAll(async () => {
  ensureDashboardBuilt();
  server = await startServer();
  receiver = await startHttpReceiver((_r, n) => (n === 1 ? 503 : 200));
  chrome = await launchBrowser();
}, 300_000);

afterAll(async () => {
  await chrome?.close();
  await server?.close();
  await receiver?.close();
});

const get = async <T>(path: string): Promise<T> => (await (await fetch(`${server.url}${path}`)).json()) as T;

it('subscribes from the page, shows the deliveries with every attempt, and unsubscribes', {
  timeout: 180_000,
}, async () => {
  const problems: string[] = [];
  const page = await openPage(chrome.browser);
  page.on('pageerror', (e) => problems.push(e.message));
  page.on('console', (m) => {
    if (/Content Security Policy|Refused to/i.test(m.text())) problems.push(m.text());
  });
  await page.goto(`${server.url}/alerts`);
  await expect(page.locator('nav a[aria-current="page"]').textContent()).resolves.toBe('Alerts');

  const form = page.locator('form[aria-label="New subscription"]');
  await form.getByLabel('Name').fill('dash owners');
  await form.getByLabel('Channel').selectOption('webhook');
  await form.getByLabel('Target').fill(`${receiver.url}/hook`);
  await form.getByLabel('Variant globs').fill('dash-*');
  await form.getByRole('button', { name: 'Subscribe' }).click();
  const secret = (await page
    .locator('[data-testid="secret"] code.secret')
    .textContent({ timeout: 15_000 }))!.trim();
  expect(secret).toMatch(/^whsec_/);
  const row = page.locator('table[aria-label="Subscriptions"] tbody tr');
  await expect(row.count()).resolves.toBe(1);
  const cells = (await row.locator('td').allTextContents()).map((t) => t.replace(/\s+/g, ' ').trim());
  expect(cells.slice(1, 5)).toEqual([
    'dash owners',
    'new regression, new issue',
    `webhook ${receiver.url}/hook`,
    'variant dash-*',
  ]);
  const [sub] = await get<Subscription[]>('/api/subscriptions');
  expect(sub).toMatchObject({
    name: 'dash owners',
    variants: ['dash-*'],
    events: ['regression', 'issue_new'],
  });

  // A runner's boot with a new issue: the hook refuses the first try, takes the second.
  await runBoot(
    server.url,
    { variant: 'dash-1', target: 'qemu', idempotencyKey: 'alerts:1' },
    new Uint8Array(fixtureBytes('logs/03-exec-no-net.log')),
    'marker',
  );
  await until('the delivery sent', async () =>
    (await get<Delivery[]>(`/api/subscriptions/${sub.id}/deliveries`)).find((d) => d.status === 'sent'),
  );
  expect(receiver.received.length).toBe(2);

  await row.getByRole('button', { name: 'Deliveries' }).click();
  const delivery = page.locator('[data-testid="deliveries"] table[aria-label="Deliveries"] tbody tr');
  await delivery.first().waitFor({ timeout: 15_000 });
  await expect(delivery.getAttribute('data-status')).resolves.toBe('sent');
  const tries = (await delivery.locator('ol.tries li').allTextContents()).map((t) =>
    t.replace(/\s+/g, ' ').trim(),
  );
  expect(tries).toHaveLength(2);
  expect(tries[0]).toMatch(/^failed · 503 · HTTP 503/);
  expect(tries[1]).toMatch(/^ok · 200/);
  await expect(delivery.locator('a').first().textContent()).resolves.toBe(
    'dash-1: new issue: mount none on /dev failed (ENODEV)',
  );
  await expect(delivery.locator('a').first().getAttribute('href')).resolves.toMatch(/^\/issues\/\d+$/);
  // The secret is not on the page any more once it is reloaded.
  await page.reload();
  await page.locator('table[aria-label="Subscriptions"]').waitFor();
  expect(await page.content()).not.toContain(secret);
  await screenshot(page, 'alerts');

  await page
    .locator('table[aria-label="Subscriptions"] tbody tr')
    .getByRole('button', { name: 'Delete' })
    .click();
  await page.locator('table[aria-label="Subscriptions"]').waitFor({ state: 'detached', timeout: 15_000 });
  expect(await get<Subscription[]>('/api/subscriptions')).toEqual([]);
  expect(problems).toEqual([]);
});
