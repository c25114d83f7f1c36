/**
 * Without `--collector`, runs go into the embedded database: the collector app is
 * started in-process on 127.0.0.1 and the runner talks to it like to any other.
 */
import { defaultAccess } from '../collector/auth/access-options.ts';
import { buildApp } from '../collector/server/app.ts';

export interface EmbeddedCollector {
  url: string;
  close: () => Promise<void>;
}

/** Starts the collector in-process on a free port of 127.0.0.1. */
export async function openEmbeddedCollector(opts: { dataDir?: string } = {}): Promise<EmbeddedCollector> {
  const app = await buildApp({
    logger: false,
    dashboardDir: null,
    // Only this process's runner talks to it: no rate limit to trip over.
    access: { ...defaultAccess(), rateLimit: 0 },
    ...(opts.dataDir ? { dataDir: opts.dataDir } : {}),
  });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  return { url, close: () => app.close() };
}
