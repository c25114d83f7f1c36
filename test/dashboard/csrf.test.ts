/**
 * Cross-site requests in Debian's Chromium: a page on another origin tries to store boots and
 * logs in a collector on 127.0.0.1 with simple fetches and form posts (text/plain, urlencoded,
 * multipart) and to open its feed and console ingest WebSockets. The collector's own answers
 * (GET /api/boots, the boot's console) must show that nothing was stored, and no socket opened.
 * First with auth off (the loopback demo), then with auth on and an admin signed in in the same
 * browser: the session cookie must lend the foreign page none of its power.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BootSummary, ConsolePage } from '../../common/types/api.ts';
import { fixtureBytes } from '../helpers/fixtures.ts';
import { type AuthServer, startAuthServer } from './helpers/auth-server.ts';
import { launchBrowser, type Page, type TestBrowser } from './helpers/browser.ts';
import {
  type AttackResults,
  attack,
  type ForeignSite,
  openSocket,
  startForeignSite,
} from './helpers/cross-site.ts';
import { ensureDashboardBuilt, startServer, type TestServer } from './helpers/server.ts';

const LOG = fixtureBytes('logs/02-initrd-no-binfmt.log').toString('latin1');

/** One browser per collector, closed before it: its kept-alive connections would hold the collector's close. */
let chrome: TestBrowser;
/** Another site (SameSite cookies stay home) and the same site on another port (they travel). */
let crossSite: ForeignSite;
let sameSite: ForeignSite;

beforeAll(async () => {
  ensureDashboardBuilt();
  crossSite = await startForeignSite('127.0.0.2');
  sameSite = await startForeignSite('127.0.0.1');
}, 300_000);

afterAll(async () => {
  await crossSite?.close();
  await sameSite?.close();
});

async function getJson<T>(url: string, token?: string): Promise<T> {
  const res = await fetch(url, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  if (!res.ok) throw new Error(`GET ${url}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

/** A boot to aim the console socket at, made the way a runner makes one (no Origin header). */
async function targetBoot(base: string, token?: string): Promise<number> {
  const res = await fetch(`${base}/api/boots`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ target: 'qemu', variant: 'csrf-target' }),
  });
  if (!res.ok) throw new Error(`POST /api/boots: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { id: number }).id;
}

/** The collector's side of the story: which boots exist, and whether the target's console got bytes. */
async function stored(base: string, bootId: number, token?: string) {
  const boots = await getJson<BootSummary[]>(`${base}/api/boots?limit=100`, token);
  const console = await getJson<ConsolePage>(`${base}/api/boots/${bootId}/console?from=1&limit=10`, token);
  return { boots: boots.map((b) => `${b.id}:${b.variant}`), consoleLines: console.lines.length };
}

/** Runs `fn` on a new page at `url`, closing it whatever happens (an open socket would hold the server). */
async function onPage<T>(url: string, fn: (page: Page) => Promise<T>, ctx = chrome): Promise<T> {
  const page = await ctx.browser.newPage();
  try {
    await page.goto(url);
    return await fn(page);
  } finally {
    await page.close();
  }
}

function expectNoSocketOpened(r: AttackResults): void {
  expect(r.sockets.feed).not.toBe('opened');
  expect(r.sockets['console ingest']).not.toBe('opened');
  // The cors-mode attempts never get an answer the page may read.
  expect(r.fetches['POST /api/boots application/json (cors)']).toMatch(/^blocked:/);
  expect(r.fetches['DELETE /api/session (cors)']).toMatch(/^blocked:/);
}

describe('auth off (the loopback demo): a foreign page stores nothing and opens no socket', () => {
  let server: TestServer;
  let bootId: number;

  beforeAll(async () => {
    server = await startServer();
    bootId = await targetBoot(server.url);
    chrome = await launchBrowser();
  }, 180_000);
  let closed = false;
  afterAll(async () => {
    await chrome?.close();
    if (!closed) await Promise.race([server?.close(), new Promise((r) => setTimeout(r, 5000))]);
  });

  for (const which of ['another site (127.0.0.2)', 'the same site on another port'] as const) {
    it(`from ${which}`, async () => {
      const before = await stored(server.url, bootId);
      expect(before).toEqual({ boots: [`${bootId}:csrf-target`], consoleLines: 0 });
      const site = which.startsWith('another site') ? crossSite : sameSite;
      const results = await onPage(`${site.url}/`, (page) =>
        attack(page, { base: server.url, bootId, log: LOG }),
      );
      // Form posts did go out (their frames loaded an answer): the collector had to refuse them.
      expect(Object.values(results.forms)).toEqual(['sent', 'sent', 'sent', 'sent', 'sent']);
      expectNoSocketOpened(results);
      expect(await stored(server.url, bootId)).toEqual(before);
    }, 90_000);
  }

  it("while the same sockets and a JSON write work from the dashboard's own origin (the lab can see success)", async () => {
    const ws = server.url.replace(/^http/, 'ws');
    const [feed, status] = await onPage(`${server.url}/`, async (page) => [
      await openSocket(page, `${ws}/api/feed`),
      await page.evaluate(async () => {
        const r = await fetch('/api/boots', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ target: 'qemu', variant: 'same-origin' }),
        });
        return r.status;
      }),
    ]);
    expect(feed).toBe('opened');
    expect(status).toBe(201);
    expect((await stored(server.url, bootId)).boots).toContain(`${bootId + 1}:same-origin`);
  }, 60_000);

  it('and the refused sockets left nothing open: the collector shuts down at once', async () => {
    await chrome.close();
    const t0 = Date.now();
    const done = await Promise.race([
      server.close().then(() => 'closed'),
      new Promise((r) => setTimeout(() => r('still open after 5 s'), 5000)),
    ]);
    closed = done === 'closed';
    expect(done, `closed in ${Date.now() - t0} ms`).toBe('closed');
  }, 30_000);
});

describe('auth on, an admin signed in: the session cookie lends a foreign page none of its power', () => {
  let server: AuthServer;
  let bootId: number;
  let admin: string;

  beforeAll(async () => {
    // Chromium starts while the collector does: neither needs the other.
    const launched = launchBrowser();
    server = await startAuthServer({ tokens: { 'ops-admin': 'admin' } }).catch(async (e) => {
      await (await launched).close();
      throw e;
    });
    chrome = await launched;
    admin = server.tokens['ops-admin'];
    bootId = await targetBoot(server.url, admin);
    // Signed in the way a person does it: the dashboard's sign-in page.
    await onPage(`${server.url}/signin`, async (page) => {
      await page.getByLabel('Token').fill(admin);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.locator('[data-testid="who"]').waitFor({ timeout: 15_000 });
    });
  }, 180_000);
  afterAll(async () => {
    await chrome?.close();
    await server?.close();
  });

  it("the cookie is the power: the dashboard's origin opens the feed with it", async () => {
    const cookies = await chrome.browser.cookies(server.url);
    expect(cookies.find((c) => c.name === 'bootwatch_session')).toMatchObject({
      httpOnly: true,
      sameSite: 'Strict',
    });
    const ws = server.url.replace(/^http/, 'ws');
    expect(await onPage(`${server.url}/`, (page) => openSocket(page, `${ws}/api/feed`))).toBe('opened');
    // And without it the collector refuses the same socket from the same origin.
    const fresh = await launchBrowser();
    try {
      const anon = await onPage(`${server.url}/`, (page) => openSocket(page, `${ws}/api/feed`), fresh);
      expect(anon).not.toBe('opened');
    } finally {
      await fresh.close();
    }
  }, 60_000);

  for (const which of ['another site (127.0.0.2)', 'the same site on another port'] as const) {
    it(`from ${which}`, async () => {
      const before = await stored(server.url, bootId, admin);
      expect(before).toEqual({ boots: [`${bootId}:csrf-target`], consoleLines: 0 });
      const site = which.startsWith('another site') ? crossSite : sameSite;
      const results = await onPage(`${site.url}/`, (page) =>
        attack(page, { base: server.url, bootId, log: LOG }),
      );
      expectNoSocketOpened(results);
      expect(await stored(server.url, bootId, admin)).toEqual(before);
      // The foreign DELETE /api/session did not sign the browser out.
      const who = await onPage(`${server.url}/`, (page) =>
        page.evaluate(async () => (await (await fetch('/api/session')).json()).token?.name),
      );
      expect(who).toBe('ops-admin');
    }, 90_000);
  }
});
