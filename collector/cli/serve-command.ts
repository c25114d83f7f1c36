/**
 * `bootwatch serve`: the collector and the dashboard on HOST:PORT (default 127.0.0.1:8080),
 * into the embedded database unless DATABASE_URL names a PostgreSQL server.
 */
import { BootwatchError } from '../../common/errors.ts';
import { buildApp } from '../server/app.ts';
import type { App } from '../server/types.ts';

export interface ServeOptions {
  host?: string;
  port?: string;
  dataDir?: string;
  logLevel?: string;
}

/** Listens; on failure closes the app and says why in one line. */
export async function listenOrExplain(app: App, host: string, port: number): Promise<string> {
  try {
    return await app.listen({ host, port });
  } catch (err) {
    await app.close();
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'EADDRINUSE' ? 'the address is in use' : (err as Error).message;
    throw new BootwatchError('input.invalid', `cannot listen on ${host}:${port}: ${why}`);
  }
}

/** Resolves on SIGINT or SIGTERM. */
export function untilSignal(): Promise<void> {
  return new Promise((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

/** Starts the collector and runs until SIGINT/SIGTERM. */
export async function serveCommand(opts: ServeOptions): Promise<void> {
  const host = opts.host ?? process.env.HOST ?? '127.0.0.1';
  const portText = opts.port ?? process.env.PORT ?? '8080';
  const port = Number(portText);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new BootwatchError('input.invalid', `PORT must be a TCP port number, not "${portText}"`);
  const app = await buildApp({
    dataDir: opts.dataDir,
    logger: { level: opts.logLevel ?? process.env.LOG_LEVEL ?? 'warn' },
  });
  const url = await listenOrExplain(app, host, port);
  const { kind, location } = app.database;
  process.stderr.write(`bootwatch: collector and dashboard on ${url} (database: ${kind}, ${location})\n`);
  await untilSignal();
  await app.close();
}
