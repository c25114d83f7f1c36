/**
 * `bootwatch token create|list|revoke`: on the database `serve` uses. With the embedded
 * database held by a running collector, the request goes through that collector's control
 * socket; otherwise the database is opened here.
 */
import { join, resolve } from 'node:path';
import { setting } from '../../common/settings.ts';
import { callControlSocket, controlSocketPath, unwrap } from '../auth/control-socket.ts';
import { runTokenRequest, type TokenRequest, type TokenResponse } from '../auth/token-admin.ts';
import { defaultDataDir, openDatabase } from '../db/client.ts';

export interface TokenCommandOptions {
  data?: string;
  json?: boolean;
}

/** Runs a token request where the database is, and returns its answer. */
async function tokenRequest(req: TokenRequest, opts: TokenCommandOptions = {}): Promise<TokenResponse> {
  const dataDir = resolve(opts.data ?? defaultDataDir());
  if (!setting('DATABASE_URL')) {
    const viaCollector = await callControlSocket(controlSocketPath(join(dataDir, 'pglite')), req);
    if (viaCollector) return unwrap(viaCollector);
  }
  const database = await openDatabase({ dataDir });
  try {
    return unwrap(await runTokenRequest(database.db, req));
  } finally {
    await database.close();
  }
}

/** `token create`: the secret alone on stdout's last line; the rest on stderr. */
export async function tokenCreateCommand(
  opts: TokenCommandOptions & { name: string; scope: string },
): Promise<void> {
  const res = await tokenRequest({ op: 'create', name: opts.name, scope: opts.scope }, opts);
  if (opts.json) {
    process.stdout.write(`${JSON.stringify({ ...res.token, token: res.secret })}\n`);
    return;
  }
  process.stderr.write(
    `bootwatch: token "${opts.name}" (${opts.scope}) created; it is shown once, store it now (e.g. BOOTWATCH_TOKEN=...)\n`,
  );
  process.stdout.write(`${res.secret}\n`);
}

export async function tokenListCommand(opts: TokenCommandOptions): Promise<void> {
  const { tokens = [] } = await tokenRequest({ op: 'list' }, opts);
  if (opts.json) {
    process.stdout.write(`${JSON.stringify(tokens)}\n`);
    return;
  }
  const rows = [
    ['NAME', 'SCOPE', 'CREATED', 'LAST USED'],
    ...tokens.map((t) => [t.name, t.scope, t.createdAt, t.lastUsedAt ?? 'never']),
  ];
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  for (const r of rows)
    process.stdout.write(
      `${r
        .map((c, i) => c.padEnd(widths[i]))
        .join('  ')
        .trimEnd()}\n`,
    );
}

export async function tokenRevokeCommand(name: string, opts: TokenCommandOptions): Promise<void> {
  await tokenRequest({ op: 'revoke', name }, opts);
  process.stderr.write(`bootwatch: token "${name}" revoked\n`);
}
