/**
 * `bootwatch serve`: the collector and the dashboard on HOST:PORT (default 127.0.0.1:8080),
 * into the embedded database unless DATABASE_URL names a PostgreSQL server.
 */
import { BootwatchError } from '../../common/errors.ts';
import { checkSettings, setting } from '../../common/settings.ts';
import { type AccessOptions, accessFromSettings } from '../auth/access-options.ts';
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
    await app.listen({ host, port });
    return listeningUrl(app, host);
  } catch (err) {
    await app.close();
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'EADDRINUSE' ? 'the address is in use' : (err as Error).message;
    throw new BootwatchError('input.invalid', `cannot listen on ${host}:${port}: ${why}`);
  }
}

/** The address the server really listens on (the port the system chose for PORT=0). */
function listeningUrl(app: App, host: string): string {
  const addr = app.server.address();
  if (addr === null || typeof addr === 'string') return `http://${host}:?`;
  const shown = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  return `http://${shown}:${addr.port}`;
}

/** One line on who may do what, with a warning where that is nobody-checks-anything beyond loopback. */
export function describeAccess(a: AccessOptions): string {
  if (!a.auth)
    return a.loopback
      ? 'access: auth off (loopback only; cross-site requests refused)'
      : 'WARNING: auth is OFF on a non-loopback address: anyone who reaches this port can write. Set BOOTWATCH_AUTH=on';
  const tokens = "make tokens with 'bin/bootwatch token create --name NAME --scope read|submit|admin'";
  return `access: auth on${a.publicRead ? ', anonymous clients may read' : ''}; ${tokens}`;
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
  checkSettings();
  const host = opts.host ?? setting('HOST') ?? '127.0.0.1';
  const portText = opts.port ?? setting('PORT') ?? '8080';
  const port = Number(portText);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new BootwatchError('input.invalid', `PORT must be a TCP port number, not "${portText}"`);
  const access = accessFromSettings(host);
  const app = await buildApp({
    dataDir: opts.dataDir,
    logger: { level: opts.logLevel ?? setting('LOG_LEVEL') ?? 'warn' },
    access,
  });
  const url = await listenOrExplain(app, host, port);
  const { kind, location } = app.database;
  process.stderr.write(`bootwatch: collector and dashboard on ${url} (database: ${kind}, ${location})\n`);
  process.stderr.write(`bootwatch: ${describeAccess(access)}\n`);
  await untilSignal();
  await app.close();
}
