/**
 * The embedded database belongs to one process at a time, so `bootwatch token ...` and
 * `bootwatch db prune` cannot open it while `serve` runs. That process listens on a Unix
 * socket beside the database (mode 0600: whoever may read the data directory may manage its
 * tokens and history) and runs those commands for them: one JSON line in, one JSON line out.
 */
import { chmodSync, existsSync, rmSync } from 'node:fs';
import { connect, createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { BootwatchError, type ErrorCode } from '../../common/errors.ts';
import type { Db } from '../db/client.ts';
import { type PruneReport, pruneHistory } from '../db/queries/retention.ts';
import { runTokenRequest, type TokenRequest, type TokenResponse } from './token-admin.ts';

/** `db prune` as a request: the cutoff is taken where it runs, `olderThanMs` before its now. */
export interface PruneRequest {
  op: 'prune';
  olderThanMs: number;
  keepBaselines: boolean;
  dryRun: boolean;
}

export type ControlRequest = TokenRequest | PruneRequest;
export type ControlResponse = TokenResponse & { prune?: PruneReport };

/** Runs one control request against the database. */
export async function runControlRequest(db: Db, req: ControlRequest): Promise<ControlResponse> {
  if (req?.op !== 'prune') return runTokenRequest(db, req);
  const ms = Number(req.olderThanMs);
  if (!Number.isFinite(ms) || ms < 0)
    return { error: { code: 'input.invalid', message: 'olderThanMs must be a duration in ms' } };
  const prune = await pruneHistory(db, {
    cutoff: new Date(Date.now() - ms),
    keepBaselines: req.keepBaselines === true,
    dryRun: req.dryRun === true,
  });
  return { prune };
}

/** Where the control socket of an embedded database directory lives. */
export function controlSocketPath(pgliteDir: string): string {
  return join(pgliteDir, 'control.sock');
}

/** Serves token requests on the socket until the returned close is called. */
export async function listenControlSocket(
  path: string,
  db: Db,
  onRevoked: (tokenId: number) => void,
): Promise<() => Promise<void>> {
  // A socket file left by a killed process refuses connections; ours replaces it.
  if (existsSync(path)) rmSync(path, { force: true });
  const server: Server = createServer((conn) => {
    let buf = '';
    conn.setEncoding('utf8');
    conn.on('error', () => {});
    conn.on('data', (d: string) => {
      buf += d;
      if (buf.length > 64 << 10) conn.destroy();
      const nl = buf.indexOf('\n');
      if (nl < 0) return;
      void answer(buf.slice(0, nl)).then((res) => conn.end(`${JSON.stringify(res)}\n`));
    });
  });
  async function answer(line: string): Promise<ControlResponse> {
    try {
      const res = await runControlRequest(db, JSON.parse(line) as ControlRequest);
      if (res.revokedId != null) onRevoked(res.revokedId);
      return res;
    } catch (err) {
      const e = err instanceof BootwatchError ? err : new BootwatchError('internal', (err as Error).message);
      return { error: { code: e.code, message: e.message } };
    }
  }
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, () => resolve());
  });
  server.on('error', () => {});
  chmodSync(path, 0o600);
  return () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      rmSync(path, { force: true });
    });
}

/** Sends one request to a running collector's socket; null when nobody listens there. */
export function callControlSocket(
  path: string,
  req: ControlRequest,
  /** Silence after which the collector is taken to be stuck (a prune of a long history is slow). */
  timeoutMs = 15_000,
): Promise<ControlResponse | null> {
  if (!existsSync(path)) return Promise.resolve(null);
  return new Promise((resolve, reject) => {
    const conn = connect(path);
    let buf = '';
    conn.setEncoding('utf8');
    conn.setTimeout(timeoutMs, () =>
      conn.destroy(new Error('the collector did not answer on its control socket')),
    );
    conn.on('connect', () => conn.write(`${JSON.stringify(req)}\n`));
    conn.on('data', (d: string) => {
      buf += d;
    });
    conn.on('end', () => {
      try {
        resolve(JSON.parse(buf) as ControlResponse);
      } catch {
        reject(new BootwatchError('internal', 'the collector answered its control socket with garbage'));
      }
    });
    conn.on('error', (err: NodeJS.ErrnoException) => {
      // A stale socket file: no process behind it, so the database can be opened directly.
      if (err.code === 'ECONNREFUSED' || err.code === 'ENOENT') resolve(null);
      else reject(err);
    });
  });
}

/** The answer's result, or its error thrown again as the same coded error. */
export function unwrap<T extends ControlResponse>(res: T): T {
  if (res.error) throw new BootwatchError(res.error.code as ErrorCode, res.error.message);
  return res;
}
