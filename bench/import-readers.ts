/**
 * A large log import on the embedded database while a client keeps reading: how long the
 * slowest read waited (issue 9: a couple of seconds at most, not the whole import).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildApp } from '../collector/server/app.ts';
import { largeLog } from '../test/helpers/large-log.ts';
import type { Benchmark } from './run.ts';

const SIZE = 40 << 20;

export const importReadersBenchmark: Benchmark = {
  name: 'import-readers',
  description: 'slowest GET /api/boots while a 40 MB log is imported into PGlite over HTTP',
  async run(report) {
    const dir = mkdtempSync(join(tmpdir(), 'bootwatch-bench-readers-'));
    // An empty URL: the embedded database even when DATABASE_URL is set.
    const app = await buildApp({ dataDir: dir, databaseUrl: '', dashboardDir: null });
    try {
      await app.listen({ host: '127.0.0.1', port: 0 });
      const base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
      const log = largeLog(SIZE);
      const start = Date.now();
      let done = false;
      const importing = fetch(`${base}/api/logs`, {
        method: 'POST',
        headers: { 'content-type': 'application/octet-stream' },
        body: new Blob([log as Uint8Array<ArrayBuffer>]),
      }).finally(() => {
        done = true;
      });
      let slowest = 0;
      while (!done) {
        const t = Date.now();
        await fetch(`${base}/api/boots?limit=5`);
        slowest = Math.max(slowest, Date.now() - t);
      }
      await importing;
      report({ name: 'import_40mb_pglite', value: (Date.now() - start) / 1000, unit: 's' });
      report({ name: 'import_slowest_read_pglite', value: slowest, unit: 'ms', target: '<= 2000' });
    } finally {
      await app.close();
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
