/**
 * Debian's Chromium driven by playwright-core: never a downloaded browser. Each launch gets
 * a fresh profile so no state leaks between runs.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium, type Locator, type Page } from 'playwright-core';
import { ROOT } from './server.ts';

const CHROMIUM = process.env.BOOTWATCH_CHROMIUM ?? '/usr/bin/chromium';
const ARTIFACTS = join(ROOT, 'test-artifacts/dashboard');

const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

export interface TestBrowser {
  browser: BrowserContext;
  close(): Promise<void>;
}

/** A persistent context on a throwaway profile directory (Chromium's --user-data-dir). */
export async function launchBrowser(): Promise<TestBrowser> {
  const profile = mkdtempSync(join(tmpdir(), 'bootwatch-chromium-'));
  const browser = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    args: ARGS,
    headless: true,
    viewport: { width: 1440, height: 900 },
  });
  return {
    browser,
    async close() {
      await browser.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** A page in the given colour scheme (the app follows prefers-color-scheme). */
export async function openPage(ctx: BrowserContext, scheme: 'light' | 'dark' = 'light'): Promise<Page> {
  const page = await ctx.newPage();
  await page.emulateMedia({ colorScheme: scheme });
  return page;
}

/** A fresh page at `base` + `path` whose errors and CSP violations go to `problems`. */
export async function openWatched(
  ctx: BrowserContext,
  base: string,
  path: string,
  problems: string[],
): Promise<Page> {
  const page = await openPage(ctx);
  watchProblems(page, path, problems);
  await page.goto(`${base}${path}`);
  return page;
}

/** Records a page's uncaught errors and CSP violations into `problems`, each prefixed with `where`. */
export function watchProblems(page: Page, where: string, problems: string[]): void {
  page.on('pageerror', (e) => problems.push(`${where}: ${e.message}`));
  page.on('console', (m) => {
    if (/Content Security Policy|Refused to/i.test(m.text())) problems.push(`${where}: ${m.text()}`);
  });
}

/** Saves a full-page screenshot to test-artifacts/dashboard/NAME.png. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const path = join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

export type { Locator, Page };
