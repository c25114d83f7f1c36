/**
 * Without `--collector`, runs go into the embedded database: the collector app is
 * started in-process on 127.0.0.1 and the runner talks to it like to any other.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export interface EmbeddedCollector {
  url: string;
  close: () => Promise<void>;
}

/** Starts the collector in-process, or returns null when this checkout has none yet. */
export async function openEmbeddedCollector(
  opts: { dataDir?: string } = {},
): Promise<EmbeddedCollector | null> {
  const appUrl = new URL('../collector/server/app.ts', import.meta.url);
  if (!existsSync(fileURLToPath(appUrl))) return null;
  const mod = (await import(appUrl.href)) as {
    buildApp: (opts?: Record<string, unknown>) => Promise<FastifyLike> | FastifyLike;
  };
  const app = await mod.buildApp({
    logger: false,
    dashboardDir: null,
    ...(opts.dataDir ? { dataDir: opts.dataDir } : {}),
  });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  return { url, close: () => app.close() };
}

interface FastifyLike {
  listen(o: { host: string; port: number }): Promise<string>;
  close(): Promise<void>;
}
