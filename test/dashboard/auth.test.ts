/**
 * Signing in, in Debian's Chromium, against `bin/bootwatch serve` with BOOTWATCH_AUTH=on and
 * tokens made by `bin/bootwatch token create` (the contract's commands). The lab is seeded with
 * a submit token, so every boot and build says who sent it. A visitor without a session lands
 * on /signin and comes back where they were going; a read token sees data but no baseline
 * control, an admin pins a baseline; a 403 shows where the action was; sign-out returns to
 * /signin. Then public read: anonymous visitors read, with a "Sign in" link. The pages run under
 * the collector's own Content-Security-Policy with no violation.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BaselinePin, BisectionInput } from '../../common/types/api.ts';
import { type AuthServer, startAuthServer } from './helpers/auth-server.ts';
import { launchBrowser, type Page, screenshot, type TestBrowser } from './helpers/browser.ts';
import { type SeededLab, seedLab } from './helpers/seed.ts';
import { ensureDashboardBuilt } from './helpers/server.ts';

/** Errors and CSP violations any page reported: there must be none. */
const problems: string[] = [];

/** A page that records uncaught errors and CSP violations into `problems`. */
async function open(chrome: TestBrowser, url: string): Promise<Page> {
  const page = await chrome.browser.newPage();
  page.on('pageerror', (e) => problems.push(`${url}: ${e.message}`));
  page.on('console', (m) => {
    if (/Content Security Policy|Refused to/i.test(m.text())) problems.push(`${url}: ${m.text()}`);
  });
  await page.goto(url);
  return page;
}

async function signIn(page: Page, token: string): Promise<void> {
  await page.getByLabel('Token').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

/** A bisection that has just started, stored the way `bisect` stores it (PUT by its state key). */
async function putBisection(base: string, token: string): Promise<number> {
  const body: BisectionInput = {
    variant: '03-exec',
    good: '03-exec',
    bad: 'build #11 (03-exec)',
    status: 'running',
    builds: 0,
    maxBuilds: 8,
    state: { version: 1, steps: [], builds: 0 },
    report: null,
    agent: 'lab-agent-1',
  };
  const res = await fetch(`${base}/api/bisections/0123456789abcdef`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`PUT bisection: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { id: number }).id;
}

const who = (page: Page) => page.locator('[data-testid="who"]');
const text = async (page: Page, selector: string) =>
  ((await page.locator(selector).first().textContent({ timeout: 15_000 })) ?? '').replace(/\s+/g, ' ').trim();

describe('auth on', () => {
  let server: AuthServer;
  let chrome: TestBrowser;
  let lab: SeededLab;
  let bootId: number;
  let buildId: number;
  let bisectionId: number;

  beforeAll(async () => {
    ensureDashboardBuilt();
    // Chromium starts while the lab is made: neither needs the other.
    const launched = launchBrowser();
    server = await startAuthServer({
      tokens: { 'alice-read': 'read', 'lab-runner': 'submit', 'ops-admin': 'admin' },
    }).catch(async (e) => {
      await (await launched).close();
      throw e;
    });
    chrome = await launched;
    lab = await seedLab(server.url, { token: server.tokens['lab-runner'] });
    bootId = lab.boots['03-exec'].at(-1)!;
    buildId = lab.builds['03-exec'].at(-1)!;
    bisectionId = await putBisection(server.url, server.tokens['lab-runner']);
  }, 300_000);

  afterAll(async () => {
    await chrome?.close();
    await server?.close();
  });

  it('answers the dashboard with a strict CSP: scripts from self only', async () => {
    const res = await fetch(`${server.url}/`, { headers: { accept: 'text/html' } });
    expect(res.status).toBe(200);
    const csp = res.headers.get('content-security-policy') ?? '';
    const scriptSrc = /script-src ([^;]*)/.exec(csp)?.[1] ?? /default-src ([^;]*)/.exec(csp)?.[1] ?? '';
    expect(scriptSrc).toContain("'self'");
    expect(scriptSrc).not.toContain("'unsafe-inline'");
    expect(scriptSrc).not.toContain("'unsafe-eval'");
    // No inline script and no inline handler: nothing the policy would have to allow.
    const html = await res.text();
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(html).not.toMatch(/\son[a-z]+\s*=/i);
  });

  it('holds GET /api/session to the contract: no credential or a stale one is 401, which the page reads as signed out', async () => {
    // CONTRACT.md "Access": with auth on, every request but health and the static files needs a token.
    const anon = await fetch(`${server.url}/api/session`);
    expect(anon.status).toBe(401);
    expect(((await anon.json()) as { error: { code: string } }).error.code).toBe('auth.required');
    const stale = await fetch(`${server.url}/api/session`, {
      headers: { cookie: `bootwatch_session=bw_${'r'.repeat(43)}` },
    });
    expect(stale.status).toBe(401);
    expect(((await stale.json()) as { error: { code: string } }).error.code).toBe('auth.invalid');
  });

  it('sends a visitor without a session to /signin, keeping where they were going', async () => {
    const page = await open(chrome, `${server.url}/boots/${bootId}?kind=error`);
    await page.waitForURL(/\/signin\?next=/, { timeout: 15_000 });
    expect(new URL(page.url()).searchParams.get('next')).toBe(`/boots/${bootId}?kind=error`);
    expect(await text(page, '#signin-h')).toBe('Sign in');
    expect(await page.locator('main').textContent()).toContain('bin/bootwatch token create');
    expect(await page.getByLabel('Token').getAttribute('type')).toBe('password');
    // Nothing of the lab leaks onto the page, and no one is named.
    expect(await who(page).count()).toBe(0);
    expect(await page.locator('.feed').count()).toBe(0);
    await page.close();
  });

  it('refuses an unknown token inline and stays on /signin', async () => {
    const page = await open(chrome, `${server.url}/signin?next=/builds/${buildId}`);
    await signIn(page, 'bw_not-a-real-token');
    const err = page.locator('#signin-error');
    await err.waitFor({ timeout: 15_000 });
    expect(await err.textContent()).toMatch(/not valid: it is unknown or has been revoked/);
    expect(new URL(page.url()).pathname).toBe('/signin');
    await screenshot(page, 'signin-invalid-token');
    await page.close();
  });

  it('ignores a `next` that leaves the site', async () => {
    const page = await open(chrome, `${server.url}/signin?next=//evil.example/x`);
    await signIn(page, server.tokens['alice-read']);
    await who(page).waitFor({ timeout: 15_000 });
    await page.waitForURL(`${server.url}/`);
    await page.close();
    await chrome.browser.clearCookies();
  });

  it('signs in with a read token: the data, the token in the top bar, who submitted, no baseline control', async () => {
    const page = await open(chrome, `${server.url}/boots/${bootId}`);
    await page.waitForURL(/\/signin\?next=/);
    await signIn(page, server.tokens['alice-read']);
    await page.waitForURL(`${server.url}/boots/${bootId}`, { timeout: 15_000 });
    expect(await text(page, '[data-testid="who"]')).toBe('alice-read read');
    // The boot's data, and the name of the token its runner used.
    expect(await text(page, '[data-testid="panic"] .reason')).toContain('No working init found');
    expect(await text(page, '[data-testid="submitted-by"]')).toBe('by lab-runner');
    expect(await page.locator('[data-testid="baseline-pin"]').count()).toBe(0);
    // The feed's upgrade carried the cookie.
    await page.locator('.feed.open').waitFor({ timeout: 15_000 });
    // The cookie is HttpOnly and SameSite=Strict: the page cannot read the token.
    const cookie = (await chrome.browser.cookies(server.url)).find((c) => c.name === 'bootwatch_session');
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/' });
    expect(await page.evaluate(() => document.cookie)).not.toContain('bootwatch_session');
    expect(await page.evaluate(() => JSON.stringify(localStorage))).not.toContain(
      server.tokens['alice-read'],
    );
    await screenshot(page, 'signed-in-read-boot');

    await page.goto(`${server.url}/builds/${buildId}`);
    expect(await text(page, '.page-head [data-testid="submitted-by"]')).toBe('by lab-runner');
    await page.goto(`${server.url}/`);
    await page.locator('table[aria-label="Boots"] tbody tr').first().waitFor({ timeout: 15_000 });
    expect(await text(page, 'table[aria-label="Boots"] [data-testid="submitted-by"]')).toBe('by lab-runner');
    await page.goto(`${server.url}/bisect/${bisectionId}`);
    expect(await text(page, '.page-head [data-testid="submitted-by"]')).toBe('by lab-runner');
    await page.goto(`${server.url}/bisect`);
    expect(await text(page, `tr[data-id="${bisectionId}"] [data-testid="submitted-by"]`)).toBe(
      'by lab-runner',
    );
    await page.close();
  });

  it('signs out back to /signin, and the collector forgets the session', async () => {
    const page = await open(chrome, `${server.url}/`);
    await who(page).waitFor({ timeout: 15_000 });
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(`${server.url}/signin`, { timeout: 15_000 });
    expect(await who(page).count()).toBe(0);
    expect(await page.evaluate(async () => (await fetch('/api/boots')).status)).toBe(401);
    await page.goto(`${server.url}/trends`);
    await page.waitForURL(/\/signin\?next=%2Ftrends/, { timeout: 15_000 });
    await page.close();
  });

  it('an admin sees the baseline control and pins a baseline', async () => {
    const page = await open(chrome, `${server.url}/signin?next=/boots/${bootId}`);
    await signIn(page, server.tokens['ops-admin']);
    await page.waitForURL(`${server.url}/boots/${bootId}`, { timeout: 15_000 });
    expect(await text(page, '[data-testid="who"]')).toBe('ops-admin admin');
    const pin = page.locator('[data-testid="baseline-pin"]');
    expect(await pin.textContent({ timeout: 15_000 })).toBe('Pin as baseline');
    await pin.click();
    await page.locator('[data-testid="pinned-baseline"]').waitFor({ timeout: 15_000 });
    expect(await pin.textContent()).toBe('Unpin baseline');
    const pins = (await (
      await fetch(`${server.url}/api/baselines`, {
        headers: { authorization: `Bearer ${server.tokens['ops-admin']}` },
      })
    ).json()) as BaselinePin[];
    expect(pins.map((p) => [p.variant, p.bootId])).toEqual([['03-exec', bootId]]);
    await screenshot(page, 'signed-in-admin-pinned');
    // Unpinning works the same way (a DELETE without a body), and pinning again for the next test.
    await pin.click();
    await page.locator('[data-testid="pinned-baseline"]').waitFor({ state: 'detached', timeout: 15_000 });
    expect(await pin.textContent()).toBe('Pin as baseline');
    await pin.click();
    await page.locator('[data-testid="pinned-baseline"]').waitFor({ timeout: 15_000 });
    await page.close();
  });

  it('a 403 shows where the action was, naming the token and its scope', async () => {
    const page = await open(chrome, `${server.url}/boots/${bootId}`);
    const pin = page.locator('[data-testid="baseline-pin"]');
    await pin.waitFor({ timeout: 15_000 });
    // Another tab signs in with the read token: this page still thinks it is the admin.
    const status = await page.evaluate(async (token) => {
      const r = await fetch('/api/session', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ token }),
      });
      return r.status;
    }, server.tokens['alice-read']);
    expect(status).toBe(200);
    await pin.click();
    const err = page.locator('[data-testid="baseline-error"]');
    await err.waitFor({ timeout: 15_000 });
    expect(await err.textContent()).toBe('Your token alice-read (read) may not do this: it needs admin.');
    // The page now knows who it is: the control is gone, the pin stays.
    expect(await text(page, '[data-testid="who"]')).toBe('alice-read read');
    expect(await pin.count()).toBe(0);
    expect(await page.locator('[data-testid="pinned-baseline"]').count()).toBe(1);
    await screenshot(page, 'forbidden-unpin');
    await page.close();
    await chrome.browser.clearCookies();
  });

  it('thresholds: read-only for a read token, saved by an admin', async () => {
    const trends = `/trends?variant=05-net`;
    const page = await open(chrome, `${server.url}/signin?next=${encodeURIComponent(trends)}`);
    await signIn(page, server.tokens['alice-read']);
    await page.waitForURL(`${server.url}${trends}`, { timeout: 15_000 });
    const panel = page.locator('[data-testid="thresholds"]');
    const fields = panel.locator('fieldset');
    await fields.waitFor({ timeout: 15_000 });
    expect(await fields.getAttribute('disabled')).not.toBeNull();
    expect(await fields.getAttribute('title')).toBe(
      'Changing thresholds needs an admin token; yours is alice-read (read)',
    );
    expect(await panel.getByRole('button', { name: 'Save' }).count()).toBe(0);

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(`${server.url}/signin`);
    await page.goto(`${server.url}/signin?next=${encodeURIComponent(trends)}`);
    await signIn(page, server.tokens['ops-admin']);
    await page.waitForURL(`${server.url}${trends}`, { timeout: 15_000 });
    await panel.getByLabel('Size growth bytes').fill('8192');
    await panel.getByRole('button', { name: 'Save' }).click();
    await panel.getByRole('status').waitFor({ timeout: 15_000 });
    const stored = (await (
      await fetch(`${server.url}/api/variants/05-net/thresholds`, {
        headers: { authorization: `Bearer ${server.tokens['alice-read']}` },
      })
    ).json()) as { size: { bytes: number | null } };
    expect(stored.size.bytes).toBe(8192);
    await page.close();
    await chrome.browser.clearCookies();
  });

  it('shows the wait of a 429 and an unreachable collector inline', async () => {
    // 100 failed authentications a minute from one address, then 429 with Retry-After.
    for (let i = 0; i < 100; i++) {
      const r = await fetch(`${server.url}/api/session`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ token: `bw_wrong-${i}` }),
      });
      if (r.status === 429) break;
    }
    const page = await open(chrome, `${server.url}/signin`);
    await signIn(page, server.tokens['alice-read']);
    const err = page.locator('#signin-error');
    await err.waitFor({ timeout: 15_000 });
    expect(await err.textContent()).toMatch(/^Too many attempts\. Try again in \d+ s\.$/);

    await server.stop();
    await signIn(page, server.tokens['alice-read']);
    await page.waitForFunction(
      () => document.querySelector('#signin-error')?.textContent?.startsWith('Could not reach the collector'),
      undefined,
      { timeout: 15_000 },
    );
    await page.close();
  });

  it('had no page errors and no CSP violations', () => {
    expect(problems).toEqual([]);
  });
});

describe('auth on with public read', () => {
  let server: AuthServer;
  let chrome: TestBrowser;

  beforeAll(async () => {
    ensureDashboardBuilt();
    const launched = launchBrowser();
    server = await startAuthServer({
      tokens: { 'alice-read': 'read', 'lab-runner': 'submit' },
      publicRead: true,
    }).catch(async (e) => {
      await (await launched).close();
      throw e;
    });
    chrome = await launched;
    await seedLab(server.url, { token: server.tokens['lab-runner'] });
  }, 300_000);

  afterAll(async () => {
    await chrome?.close();
    await server?.close();
  });

  it('lets anyone read, with a Sign in link; sign-out stays on the page', async () => {
    const page = await open(chrome, `${server.url}/`);
    await page.locator('tr[data-variant="05-net"]').waitFor({ timeout: 15_000 });
    expect(await who(page).count()).toBe(0);
    const link = page.getByRole('link', { name: 'Sign in' });
    await link.click();
    await page.waitForURL(`${server.url}/signin`);
    expect(await page.locator('main').textContent()).toContain('browse without signing in');
    await signIn(page, server.tokens['alice-read']);
    await page.waitForURL(`${server.url}/`, { timeout: 15_000 });
    expect(await text(page, '[data-testid="who"]')).toBe('alice-read read');
    await page.getByRole('link', { name: '05-net' }).first().click();
    await page.waitForURL(/\/trends\?variant=05-net/);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('link', { name: 'Sign in' }).waitFor({ timeout: 15_000 });
    expect(new URL(page.url()).pathname).toBe('/trends');
    expect(await who(page).count()).toBe(0);
    await page.close();
  });

  it('had no page errors and no CSP violations', () => {
    expect(problems).toEqual([]);
  });
});
