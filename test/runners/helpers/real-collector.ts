/**
 * The real collector (collector/server/app.ts on a fresh embedded database) listening on
 * 127.0.0.1, stoppable and restartable on the same port and data, for the runner tests.
 */
import { buildApp } from '../../../collector/server/app.ts';
import { migratedDataDir } from '../../helpers/db.ts';

export interface RealCollector {
  url: string;
  port: number;
  dataDir: string;
  /** Stops listening and closes the database, like a collector that died. */
  stop(): Promise<void>;
  /** Starts again on the same port and data. */
  start(): Promise<void>;
  get<T>(path: string): Promise<T>;
  /** The exact console bytes the collector stored for a boot. */
  rawConsole(id: number): Promise<Buffer>;
}

export async function startRealCollector(): Promise<RealCollector> {
  const dataDir = await migratedDataDir('bw-collector-');
  let app: Awaited<ReturnType<typeof buildApp>> | null = null;
  const c: RealCollector = {
    url: '',
    port: 0,
    dataDir,
    async start() {
      app = await buildApp({ dataDir, dashboardDir: null, databaseUrl: undefined });
      c.url = await app.listen({ host: '127.0.0.1', port: c.port });
      c.port = Number(new URL(c.url).port);
    },
    async stop() {
      await app?.close();
      app = null;
    },
    async get<T>(path: string) {
      const res = await fetch(`${c.url}${path}`);
      if (!res.ok) throw new Error(`GET ${path}: ${res.status} ${await res.text()}`);
      return (await res.json()) as T;
    },
    async rawConsole(id: number) {
      const res = await fetch(`${c.url}/api/boots/${id}/console.raw`);
      if (!res.ok) throw new Error(`console.raw ${id}: ${res.status}`);
      return Buffer.from(await res.arrayBuffer());
    },
  };
  await c.start();
  return c;
}
