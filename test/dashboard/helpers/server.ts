/**
 * A real `serve` for the dashboard tests: the collector app from collector/server/app.ts on
 * a throwaway in-memory PGlite, listening on 127.0.0.1 at a free port, serving dashboard/dist.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Database } from '../../../collector/db/client.ts';
import { buildApp } from '../../../collector/server/app.ts';
import type { App } from '../../../collector/server/types.ts';
import { freshPglite } from '../../helpers/db.ts';

export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const DASHBOARD_DIST = join(ROOT, 'dashboard/dist');

export interface TestServer {
  url: string;
  app: App;
  close(): Promise<void>;
}

/** Starts the collector with a fresh database (PGlite unless given); `close` stops it and drops the data. */
export async function startServer(given?: Database): Promise<TestServer> {
  const database = given ?? (await freshPglite());
  const app = await buildApp({ database, ownDatabase: true, dashboardDir: DASHBOARD_DIST });
  const address = await app.listen({ host: '127.0.0.1', port: 0 });
  return { url: address, app, close: () => app.close() };
}

function newestMtime(path: string): number {
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let m = st.mtimeMs;
  for (const name of readdirSync(path)) m = Math.max(m, newestMtime(join(path, name)));
  return m;
}

/** Builds dashboard/dist when it is missing or older than its sources (or the shared types). */
export function ensureDashboardBuilt(): void {
  const index = join(DASHBOARD_DIST, 'index.html');
  const sources = [
    'dashboard/src',
    'dashboard/index.html',
    'dashboard/vite.config.ts',
    'common/types',
    'common/arch.ts',
  ];
  const built = existsSync(index) ? statSync(index).mtimeMs : 0;
  const newest = Math.max(...sources.map((s) => newestMtime(join(ROOT, s))));
  if (built >= newest) return;
  execFileSync(
    process.execPath,
    [
      join(ROOT, 'node_modules/vite/bin/vite.js'),
      'build',
      '--config',
      'dashboard/vite.config.ts',
      '--logLevel',
      'error',
    ],
    {
      cwd: ROOT,
      stdio: 'inherit',
    },
  );
}
