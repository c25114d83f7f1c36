/**
 * The hostile-client suite against a real `serve` process with auth on: every operation of
 * its OpenAPI document held to its declared scope over real HTTP (a new route cannot escape),
 * ownership between two runners' tokens over REST and the ingest socket, Origin on socket
 * upgrades, the per-client socket cap, a revoked token's open socket cut, the per-token rate
 * limit, and the failed-authentication cap (last: it locks this address out for a minute).
 */
import type { ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { bisect } from '../../../collector/analysis/bisect.ts';
import { climb, initialClimbState } from '../../../collector/analysis/climb.ts';
import { callControlSocket, controlSocketPath } from '../../../collector/auth/control-socket.ts';
import { TOKEN_SCOPES, type TokenScope } from '../../../common/types/access.ts';
import { netOracle } from '../../helpers/bisect-oracle.ts';
import { serve } from '../../helpers/cli-process.ts';
import { ladderOracle } from '../../helpers/climb-oracle.ts';
import { migratedDataDir } from '../../helpers/db.ts';

const RATE_LIMIT = 400;
const MAX_SOCKETS = 4;

let data: string;
let child: ChildProcess;
let base: string;
const secrets = {} as Record<TokenScope | 'other' | 'revoked' | 'busy', string>;

async function token(name: string, scope: TokenScope): Promise<string> {
  const res = await callControlSocket(controlSocketPath(join(data, 'pglite')), { op: 'create', name, scope });
  if (!res?.secret) throw new Error(`token create ${name}: ${JSON.stringify(res)}`);
  return res.secret;
}

beforeAll(async () => {
  data = await migratedDataDir('bootwatch-hostile-');
  const server = await serve({
    BOOTWATCH_DATA: data,
    HOST: '127.0.0.1',
    BOOTWATCH_AUTH: 'on',
    BOOTWATCH_RATE_LIMIT: String(RATE_LIMIT),
    BOOTWATCH_MAX_SOCKETS: String(MAX_SOCKETS),
  });
  child = server.child;
  base = server.url;
  for (const scope of TOKEN_SCOPES) secrets[scope] = await token(`t-${scope}`, scope);
  secrets.other = await token('runner-2', 'submit');
  secrets.revoked = await token('soon-revoked', 'read');
  secrets.busy = await token('busy', 'read');
}, 120_000);

afterAll(() => {
  if (child?.exitCode === null) child.kill('SIGKILL');
  rmSync(data, { recursive: true, force: true });
});

const bearer = (secret: string) => ({ authorization: `Bearer ${secret}` });
const json = { 'content-type': 'application/json' };

interface Operation {
  method: string;
  path: string;
  scope: string;
}

function urlOf(path: string): string {
  return path
    .replace(/\{(key|ref)\}/, '0123456789abcdef')
    .replace('{name}', 'v')
    .replace(/\{[^}]+\}/g, '1');
}

async function call(op: Operation, headers: Record<string, string> = {}): Promise<Response> {
  const writes = op.method !== 'GET' && op.method !== 'HEAD';
  return fetch(`${base}${urlOf(op.path)}`, {
    method: op.method,
    headers: { ...(writes ? json : {}), ...headers },
    body: writes ? '{}' : undefined,
  });
}

/**
 * Opens a socket; resolves with it open, or with the HTTP status that refused the upgrade once
 * the server has closed that connection (a refusal must not leave it open).
 */
function upgrade(path: string, headers: Record<string, string>): Promise<WebSocket | number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${base.replace(/^http/, 'ws')}${path}`, { headers });
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_req, res) => {
      res.resume();
      res.socket.once('close', () => resolve(res.statusCode ?? 0));
    });
    ws.once('error', reject);
  });
}

describe('a real collector with auth on, against hostile clients', () => {
  it('holds every documented operation to its declared scope', { timeout: 120_000 }, async () => {
    const doc = (await (
      await fetch(`${base}/api/openapi.json`, { headers: bearer(secrets.read) })
    ).json()) as {
      paths: Record<string, Record<string, { 'x-bootwatch-scope'?: string }>>;
    };
    const ops: Operation[] = Object.entries(doc.paths).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, op]) => ({
        method: method.toUpperCase(),
        path,
        scope: op['x-bootwatch-scope'] ?? 'undeclared',
      })),
    );
    expect(ops.length).toBeGreaterThan(30);
    expect(ops.filter((o) => !['public', ...TOKEN_SCOPES].includes(o.scope))).toEqual([]);
    const scopeOf = (m: string, p: RegExp) => ops.find((o) => o.method === m && p.test(o.path))?.scope;
    expect(scopeOf('GET', /^\/api\/health$/)).toBe('public');
    expect(scopeOf('GET', /^\/api\/boots$/)).toBe('read');
    expect(scopeOf('POST', /^\/api\/boots$/)).toBe('submit');
    expect(scopeOf('POST', /^\/api\/logs$/)).toBe('submit');
    expect(scopeOf('PUT', /^\/api\/bisections\/\{\w+\}$/)).toBe('submit');
    expect(scopeOf('PUT', /^\/api\/climbs\/\{\w+\}$/)).toBe('submit');
    expect(scopeOf('GET', /^\/api\/climbs\/\{\w+\}$/)).toBe('read');
    expect(scopeOf('PUT', /^\/api\/variants\/\{name\}\/baseline$/)).toBe('admin');
    expect(scopeOf('PUT', /^\/api\/variants\/\{name\}\/thresholds$/)).toBe('admin');

    for (const op of ops) {
      const what = `${op.method} ${op.path}`;
      const anon = await call(op);
      if (op.scope === 'public') {
        expect(anon.status, what).not.toBe(401);
        continue;
      }
      expect(anon.status, `${what} without a token`).toBe(401);
      expect(((await anon.json()) as { error: { code: string } }).error.code, what).toBe('auth.required');
      expect(anon.headers.get('www-authenticate'), what).toMatch(/^Bearer/);
      expect((await call(op, bearer(`bw_${'x'.repeat(43)}`))).status, `${what} with an unknown token`).toBe(
        401,
      );
      for (const scope of TOKEN_SCOPES) {
        const r = await call(op, bearer(secrets[scope]));
        const allowed = TOKEN_SCOPES.indexOf(scope) >= TOKEN_SCOPES.indexOf(op.scope as TokenScope);
        if (allowed) expect([401, 403], `${what} as ${scope}`).not.toContain(r.status);
        else expect(r.status, `${what} as ${scope}`).toBe(403);
      }
    }
    // Sockets are routes too: the feed needs read, the ingest socket submit.
    expect(await upgrade('/api/feed', {})).toBe(401);
    const feed = await upgrade('/api/feed', bearer(secrets.read));
    expect(feed).toBeInstanceOf(WebSocket);
    (feed as WebSocket).close();
  });

  it('lets only the token that created a boot, bisection or climb append to, finish or overwrite it', {
    timeout: 60_000,
  }, async () => {
    const created = await fetch(`${base}/api/boots`, {
      method: 'POST',
      headers: { ...json, ...bearer(secrets.submit) },
      body: JSON.stringify({ target: 'qemu', variant: 'owned' }),
    });
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: number };
    const append = (secret: string, offset: number, text: string) =>
      fetch(`${base}/api/boots/${id}/console?offset=${offset}`, {
        method: 'POST',
        headers: { 'content-type': 'application/octet-stream', ...bearer(secret) },
        body: text,
      });
    const finish = (secret: string) =>
      fetch(`${base}/api/boots/${id}/finish`, {
        method: 'POST',
        headers: { ...json, ...bearer(secret) },
        body: JSON.stringify({ endReason: 'marker' }),
      });
    expect((await append(secrets.other, 0, 'injected\n')).status).toBe(403);
    expect((await finish(secrets.other)).status).toBe(403);
    expect((await append(secrets.read, 0, 'injected\n')).status).toBe(403);
    expect(await upgrade(`/api/boots/${id}/console/ws`, bearer(secrets.other))).toBe(403);

    expect(await (await append(secrets.submit, 0, 'Linux version 6.1.0\n')).json()).toEqual({ offset: 20 });
    expect((await append(secrets.admin, 20, 'more\n')).status).toBe(200);
    const own = await upgrade(`/api/boots/${id}/console/ws`, bearer(secrets.submit));
    expect(own).toBeInstanceOf(WebSocket);
    (own as WebSocket).close();
    expect((await finish(secrets.submit)).status).toBe(200);
    const raw = await fetch(`${base}/api/boots/${id}/console.raw`, { headers: bearer(secrets.read) });
    expect(await raw.text()).toBe('Linux version 6.1.0\nmore\n');
    const boot = (await (
      await fetch(`${base}/api/boots/${id}`, { headers: bearer(secrets.read) })
    ).json()) as {
      submittedBy: string;
    };
    expect(boot.submittedBy).toBe('t-submit');

    // A log import's Idempotency-Key resumes the first import: only for the token that made it.
    const importLog = (secret: string) =>
      fetch(`${base}/api/logs?variant=owned`, {
        method: 'POST',
        headers: {
          'content-type': 'application/octet-stream',
          'idempotency-key': 'lab-log-1',
          ...bearer(secret),
        },
        body: 'Linux version 6.1.0\n',
      });
    expect((await importLog(secrets.submit)).status).toBe(201);
    expect((await importLog(secrets.other)).status).toBe(403);
    expect((await importLog(secrets.submit)).status).toBe(200);

    const o = netOracle();
    const { state, report } = await bisect(o.input, o.deps);
    const body = JSON.stringify({
      variant: 'owned',
      good: 'a',
      bad: 'b',
      status: report.status,
      builds: report.builds,
      maxBuilds: 24,
      state,
      report,
    });
    const put = (secret: string) =>
      fetch(`${base}/api/bisections/0123456789abcdef`, {
        method: 'PUT',
        headers: { ...json, ...bearer(secret) },
        body,
      });
    expect((await put(secrets.submit)).status).toBe(200);
    expect((await put(secrets.other)).status).toBe(403);
    expect((await put(secrets.submit)).status).toBe(200);
    expect((await put(secrets.admin)).status).toBe(200);

    // A climb likewise: only its runner's token (or an admin) moves it on.
    const climbed = await climb(initialClimbState(['marker'], 20), ladderOracle().deps);
    const putClimb = (secret: string) =>
      fetch(`${base}/api/climbs/0123456789abcdef`, {
        method: 'PUT',
        headers: { ...json, ...bearer(secret) },
        body: JSON.stringify({ matrix: 'm', variant: 'owned', status: climbed.status, state: climbed }),
      });
    expect((await putClimb(secrets.submit)).status).toBe(200);
    expect((await putClimb(secrets.other)).status).toBe(403);
    expect((await putClimb(secrets.read)).status).toBe(403);
    expect((await putClimb(secrets.admin)).status).toBe(200);
    const stored = (await (
      await fetch(`${base}/api/climbs/0123456789abcdef`, { headers: bearer(secrets.read) })
    ).json()) as { submittedBy: string; status: string };
    expect(stored).toMatchObject({ submittedBy: 't-submit', status: 'reached' });
  });

  it('refuses socket upgrades from another origin, even with a valid token', async () => {
    expect(await upgrade('/api/feed', { ...bearer(secrets.admin), origin: 'http://evil.example' })).toBe(403);
    const same = await upgrade('/api/feed', { ...bearer(secrets.admin), origin: base });
    expect(same).toBeInstanceOf(WebSocket);
    (same as WebSocket).close();
  });

  it('caps the sockets one client holds open', async () => {
    const open: WebSocket[] = [];
    for (let i = 0; i < MAX_SOCKETS; i++) {
      const ws = await upgrade('/api/feed', bearer(secrets.busy));
      expect(ws).toBeInstanceOf(WebSocket);
      open.push(ws as WebSocket);
    }
    expect(await upgrade('/api/feed', bearer(secrets.busy))).toBe(429);
    // Another client is not held to this one's count.
    const other = await upgrade('/api/feed', bearer(secrets.read));
    expect(other).toBeInstanceOf(WebSocket);
    (other as WebSocket).close();
    const closed = new Promise((r) => open[0].once('close', r));
    open[0].close();
    await closed;
    // The server counts the socket gone once its connection closes; wait for that, not a clock.
    let again: WebSocket | number = 429;
    for (let i = 0; i < 50 && again === 429; i++) again = await upgrade('/api/feed', bearer(secrets.busy));
    expect(again).toBeInstanceOf(WebSocket);
    for (const ws of [...open.slice(1), again as WebSocket]) ws.close();
  });

  it('cuts the open sockets of a token revoked while they stream', async () => {
    const ws = await upgrade('/api/feed', bearer(secrets.revoked));
    expect(ws).toBeInstanceOf(WebSocket);
    const closed = new Promise((r) => (ws as WebSocket).once('close', r));
    await callControlSocket(controlSocketPath(join(data, 'pglite')), { op: 'revoke', name: 'soon-revoked' });
    await closed;
    expect((await fetch(`${base}/api/boots`, { headers: bearer(secrets.revoked) })).status).toBe(401);
  });

  it('answers 429 with Retry-After to a token over its rate, and not to others', {
    timeout: 60_000,
  }, async () => {
    const greedy = await token('greedy', 'read');
    let last: Response | null = null;
    for (let i = 0; i <= RATE_LIMIT; i++) {
      last = await fetch(`${base}/api/boots?limit=1`, { headers: bearer(greedy) });
      if (last.status === 429) break;
    }
    expect(last!.status).toBe(429);
    expect(Number(last!.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await fetch(`${base}/api/boots?limit=1`, { headers: bearer(secrets.read) })).status).toBe(200);
  });

  // Last: after it this address is locked out for a minute.
  it('locks out an address after 100 failed authentications a minute', { timeout: 60_000 }, async () => {
    const codes: number[] = [];
    for (let i = 0; i < 101; i++)
      codes.push((await fetch(`${base}/api/boots`, { headers: bearer(`guess-${i}`) })).status);
    // The scope test above already spent some of this address's 100 (exactly 100: access.test.ts).
    const first429 = codes.indexOf(429);
    expect(first429).toBeGreaterThan(0);
    expect(codes.slice(0, first429).every((c) => c === 401)).toBe(true);
    expect(codes.slice(first429).every((c) => c === 429)).toBe(true);
    const r = await fetch(`${base}/api/boots`, { headers: bearer(secrets.read) });
    expect(r.status).toBe(429);
    expect(Number(r.headers.get('retry-after'))).toBeGreaterThan(0);
    // The sign-in form is an authentication too.
    const signIn = await fetch(`${base}/api/session`, {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ token: secrets.read }),
    });
    expect(signIn.status).toBe(429);
    expect((await fetch(`${base}/api/health`)).status).toBe(200);
  });
});
