/**
 * What the live feed sends each client (issue 12): 50 runners stream a real boot console at
 * once into a real collector (in-process, fresh embedded database) while 10 feed clients
 * each watch one of those boots and a dashboard's app-wide client lists boots. Figures:
 * messages per watching client, console messages of other boots it got (0), console
 * messages the dashboard client got (0), and what each client got when every client received
 * every boot's console (before subscriptions).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { defaultAccess } from '../collector/auth/access-options.ts';
import { buildApp } from '../collector/server/app.ts';
import type { FeedMessage } from '../common/types/ingest.ts';
import type { Benchmark } from './run.ts';
import { createBoot, streamLog } from './streaming-load.ts';

const BOOTS = 50;
const WATCHERS = 10;
const CONSOLE = new Set(['lines', 'events']);

/** A feed client that counts what it receives. */
async function client(base: string, query: string) {
  const ws = new WebSocket(`${base.replace(/^http/, 'ws')}/api/feed${query}`);
  const got: FeedMessage[] = [];
  ws.on('message', (d) => got.push(JSON.parse(String(d)) as FeedMessage));
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  return { ws, got };
}

export const feedFanoutBenchmark: Benchmark = {
  name: 'feed-fanout',
  description: 'feed messages per client during 50 running boots with 10 clients watching one boot each',
  async run(report) {
    const dataDir = mkdtempSync(join(tmpdir(), 'bw-bench-feed-'));
    const app = await buildApp({ dataDir, dashboardDir: null, access: { ...defaultAccess(), rateLimit: 0 } });
    try {
      const base = await app.listen({ host: '127.0.0.1', port: 0 });
      const ids = await Promise.all(Array.from({ length: BOOTS }, () => createBoot(base, '')));
      // Every boot's console as one client got it before: a listener per boot, in-process.
      let everything = 0;
      for (const bootId of ids) app.collector.feed.subscribe(() => everything++, { bootId });
      const watchers = await Promise.all(ids.slice(0, WATCHERS).map((id) => client(base, `?boot=${id}`)));
      // The dashboard's app-wide feed (dashboard/src/App.svelte).
      const dashboard = await client(base, '?types=subscribed,boot,build,bisection');
      const unfiltered = await client(base, '');
      await Promise.all(ids.map((id) => streamLog(base, '', id)));
      await new Promise((r) => setTimeout(r, 500));

      const perWatcher = watchers.map((w) => w.got.length);
      const foreign = watchers.reduce(
        (n, w, i) =>
          n + w.got.filter((m) => CONSOLE.has(m.type) && 'bootId' in m && m.bootId !== ids[i]).length,
        0,
      );
      const mean = perWatcher.reduce((a, b) => a + b, 0) / perWatcher.length;
      report({ name: 'feed_messages_per_watching_client', value: mean, unit: 'msgs' });
      report({ name: 'feed_messages_per_client_before', value: everything, unit: 'msgs' });
      report({ name: 'feed_watching_client_share', value: mean / everything, unit: 'x', target: '≈ 1/50' });
      report({ name: 'feed_foreign_console_messages', value: foreign, unit: 'msgs', target: '0' });
      report({
        name: 'feed_dashboard_client_messages',
        value: dashboard.got.length,
        unit: 'msgs',
        // The boots started before it connected: `subscribed`, then one `finished` per boot.
        target: String(BOOTS + 1),
      });
      report({
        name: 'feed_console_messages_to_unwatching_client',
        value: [...dashboard.got, ...unfiltered.got].filter((m) => CONSOLE.has(m.type)).length,
        unit: 'msgs',
        target: '0',
      });
      for (const c of [...watchers, dashboard, unfiltered]) c.ws.close();
    } finally {
      await app.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  },
};
