/**
 * Development aid: screenshots of dashboard pages in light and dark, to look at while
 * designing. `npx tsx test/dashboard/shoot.ts http://127.0.0.1:PORT / /boots/2 ...`
 * writes test-artifacts/dashboard/dev-*.png.
 */
import { launchBrowser, openPage, screenshot } from './helpers/browser.ts';

const [base, ...paths] = process.argv.slice(2);
if (!base || !paths.length) {
  process.stderr.write('usage: shoot.ts BASE_URL PATH...\n');
  process.exit(2);
}
const { browser, close } = await launchBrowser();
try {
  for (const scheme of ['light', 'dark'] as const)
    for (const path of paths) {
      const page = await openPage(browser, scheme);
      page.on('console', (m) => {
        if (m.type() === 'error' || m.type() === 'warning') process.stderr.write(`[${path}] ${m.text()}\n`);
      });
      page.on('pageerror', (e) => process.stderr.write(`[${path}] pageerror ${e.message}\n`));
      await page.goto(`${base}${path}`, { waitUntil: 'networkidle' });
      await page.waitForTimeout(400);
      const name = `dev-${path.replace(/[^a-z0-9]+/gi, '_').replace(/^_|_$/g, '') || 'overview'}-${scheme}`;
      process.stdout.write(`${await screenshot(page, name)}\n`);
      await page.close();
    }
} finally {
  await close();
}
