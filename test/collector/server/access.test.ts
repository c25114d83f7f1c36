/**
 * CONTRACT.md "Access" through app.inject: every route the OpenAPI document lists is held to
 * its scope (so a new route cannot escape), ownership between submit tokens, public read,
 * sign-in, and the rules that hold with auth off (Origin, 415, headers, limits).
 */
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { bisect } from '../../../collector/analysis/bisect.ts';
import { type AccessOptions, defaultAccess } from '../../../collector/auth/access-options.ts';
import { createToken, revokeToken } from '../../../collector/auth/tokens.ts';
import type { Database } from '../../../collector/db/client.ts';
import { buildApp } from '../../../collector/server/app.ts';
import type { App } from '../../../collector/server/types.ts';
import { TOKEN_SCOPES, type TokenScope } from '../../../common/types/access.ts';
import { netOracle } from '../../helpers/bisect-oracle.ts';
import { pgliteBackend } from '../../helpers/db.ts';

const backend = pgliteBackend();
let database: Database | null = null;
let app: App | null = null;

afterEach(async () => {
  await app?.close();
  await database?.close();
  app = null;
  database = null;
});

async function start(access: Partial<AccessOptions> = {}): Promise<App> {
  database = await backend.fresh();
  app = await buildApp({ database, dashboardDir: null, access: { ...defaultAccess(), ...access } });
  return app;
}

async function tokens(): Promise<Record<TokenScope | 'other', string>> {
  const db = database!.db;
  const made = {} as Record<TokenScope | 'other', string>;
  for (const scope of TOKEN_SCOPES) made[scope] = (await createToken(db, `t-${scope}`, scope)).secret;
  made.other = (await createToken(db, 'runner-2', 'submit')).secret;
  return made;
}

const bearer = (secret: string) => ({ authorization: `Bearer ${secret}` });
const json = { 'content-type': 'application/json' };

interface Operation {
  method: string;
  path: string;
  scope: string;
}

/** Every operation of the app's OpenAPI document, with its declared scope. */
async function operations(a: App, secret: string): Promise<Operation[]> {
  const doc = (
    await a.inject({ method: 'GET', url: '/api/openapi.json', headers: bearer(secret) })
  ).json() as {
    paths: Record<string, Record<string, { 'x-bootwatch-scope'?: string }>>;
  };
  return Object.entries(doc.paths).flatMap(([path, ops]) =>
    Object.entries(ops).map(([method, op]) => ({
      method: method.toUpperCase(),
      path,
      scope: op['x-bootwatch-scope'] ?? 'undeclared',
    })),
  );
}

/** A concrete URL for a documented path: ids 1, names and keys that parse. */
function urlOf(path: string): string {
  return path
    .replace('{key}', '0123456789abcdef')
    .replace('{name}', 'v')
    .replace(/\{[^}]+\}/g, '1');
}

function send(a: App, op: Operation, headers: Record<string, string> = {}): Promise<LightMyRequestResponse> {
  const writes = op.method !== 'GET' && op.method !== 'HEAD';
  const req: InjectOptions = {
    method: op.method as InjectOptions['method'],
    url: urlOf(op.path),
    headers: { ...(writes ? json : {}), ...headers },
    ...(writes ? { payload: '{}' } : {}),
  };
  return a.inject(req);
}

describe('access with auth on', () => {
  it('declares a scope for every documented route, and holds each route to it', async () => {
    const a = await start({ auth: true });
    const t = await tokens();
    const ops = await operations(a, t.read);
    expect(ops.length).toBeGreaterThan(30);
    const undeclared = ops.filter((o) => !['public', ...TOKEN_SCOPES].includes(o.scope));
    expect(undeclared).toEqual([]);
    // The routes CONTRACT.md names keep the scope it gives them.
    const scopeOf = (m: string, p: string) => ops.find((o) => o.method === m && o.path === p)?.scope;
    expect(scopeOf('GET', '/api/health')).toBe('public');
    expect(scopeOf('GET', '/api/boots')).toBe('read');
    expect(scopeOf('POST', '/api/boots')).toBe('submit');
    expect(scopeOf('POST', '/api/logs')).toBe('submit');
    expect(scopeOf('PUT', '/api/bisections/{key}')).toBe('submit');
    expect(scopeOf('PUT', '/api/variants/{name}/baseline')).toBe('admin');
    expect(scopeOf('PUT', '/api/variants/{name}/thresholds')).toBe('admin');

    for (const op of ops) {
      const what = `${op.method} ${op.path}`;
      const anon = await send(a, op);
      const wrong = await send(a, op, bearer(`bw_${'x'.repeat(43)}`));
      if (op.scope === 'public') {
        expect(anon.statusCode, what).not.toBe(401);
        continue;
      }
      expect(anon.statusCode, `${what} without a token`).toBe(401);
      expect(anon.json().error.code, what).toBe('auth.required');
      expect(anon.headers['www-authenticate'], what).toMatch(/^Bearer/);
      expect(wrong.statusCode, `${what} with an unknown token`).toBe(401);
      for (const scope of TOKEN_SCOPES) {
        const r = await send(a, op, bearer(t[scope]));
        const allowed = TOKEN_SCOPES.indexOf(scope) >= TOKEN_SCOPES.indexOf(op.scope as TokenScope);
        if (allowed) expect([401, 403], `${what} as ${scope}: ${r.body}`).not.toContain(r.statusCode);
        else {
          expect(r.statusCode, `${what} as ${scope}`).toBe(403);
          expect(r.json().error.code, what).toBe('auth.forbidden');
        }
      }
    }
  });

  it('lets only the token that created a boot or bisection append to, finish or overwrite it', async () => {
    const a = await start({ auth: true });
    const t = await tokens();
    const created = await a.inject({
      method: 'POST',
      url: '/api/boots',
      headers: { ...json, ...bearer(t.submit) },
      payload: { target: 'qemu', variant: 'owned' },
    });
    expect(created.statusCode).toBe(201);
    const id = created.json().id as number;
    const append = (secret: string, offset: number, text: string) =>
      a.inject({
        method: 'POST',
        url: `/api/boots/${id}/console?offset=${offset}`,
        headers: { 'content-type': 'application/octet-stream', ...bearer(secret) },
        payload: Buffer.from(text),
      });
    const finish = (secret: string) =>
      a.inject({
        method: 'POST',
        url: `/api/boots/${id}/finish`,
        headers: { ...json, ...bearer(secret) },
        payload: { endReason: 'marker' },
      });

    expect((await append(t.other, 0, 'injected\n')).statusCode).toBe(403);
    expect((await finish(t.other)).statusCode).toBe(403);
    // The other runner's socket is refused before the upgrade.
    await expect(
      a.injectWS(`/api/boots/${id}/console/ws`, { headers: bearer(t.other) } as never),
    ).rejects.toThrow(/403/);

    expect((await append(t.submit, 0, 'Linux version 6.1.0\n')).json()).toEqual({ offset: 20 });
    expect((await append(t.admin, 20, 'more\n')).statusCode).toBe(200);
    const ws = await a.injectWS(`/api/boots/${id}/console/ws`, { headers: bearer(t.submit) } as never);
    ws.terminate();
    expect((await finish(t.submit)).statusCode).toBe(200);

    const raw = await a.inject({
      method: 'GET',
      url: `/api/boots/${id}/console.raw`,
      headers: bearer(t.read),
    });
    expect(raw.body).toBe('Linux version 6.1.0\nmore\n');
    const detail = await a.inject({ method: 'GET', url: `/api/boots/${id}`, headers: bearer(t.read) });
    expect(detail.json().submittedBy).toBe('t-submit');
    const list = await a.inject({ method: 'GET', url: '/api/boots?limit=5', headers: bearer(t.read) });
    expect(list.json()[0].submittedBy).toBe('t-submit');

    // A real bisection's state (the bisection tests' oracle), as a runner puts it after a step.
    const o = netOracle();
    const { state, report } = await bisect(o.input, o.deps);
    const bisection = {
      variant: 'owned',
      good: 'a',
      bad: 'b',
      status: report.status,
      builds: report.builds,
      maxBuilds: 24,
      state,
      report,
    };
    const put = (secret: string) =>
      a.inject({
        method: 'PUT',
        url: '/api/bisections/0123456789abcdef',
        headers: { ...json, ...bearer(secret) },
        payload: bisection,
      });
    const first = await put(t.submit);
    expect(first.statusCode, first.body).toBe(200);
    expect((await put(t.other)).statusCode).toBe(403);
    expect((await put(t.submit)).statusCode).toBe(200);
    expect((await put(t.admin)).statusCode).toBe(200);
  });

  it('opens reads to anonymous clients with public read, never writes', async () => {
    const a = await start({ auth: true, publicRead: true });
    expect((await a.inject({ method: 'GET', url: '/api/boots' })).statusCode).toBe(200);
    const write = await a.inject({
      method: 'POST',
      url: '/api/boots',
      headers: json,
      payload: { target: 'qemu' },
    });
    expect(write.statusCode).toBe(403);
    const session = await a.inject({ method: 'GET', url: '/api/session' });
    expect(session.json()).toEqual({ auth: true, publicRead: true, signedIn: false, token: null });
  });

  it('signs the dashboard in with an HttpOnly SameSite=Strict cookie, and out again', async () => {
    const a = await start({ auth: true });
    const t = await tokens();
    const bad = await a.inject({
      method: 'POST',
      url: '/api/session',
      headers: json,
      payload: { token: 'nope' },
    });
    expect(bad.statusCode).toBe(401);
    const signIn = await a.inject({
      method: 'POST',
      url: '/api/session',
      headers: json,
      payload: { token: t.read },
    });
    expect(signIn.json()).toEqual({ name: 't-read', scope: 'read' });
    const cookie = String(signIn.headers['set-cookie']);
    expect(cookie).toMatch(/^bootwatch_session=/);
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Strict/i);
    const jar = { cookie: cookie.split(';')[0] };
    const me = await a.inject({ method: 'GET', url: '/api/session', headers: jar });
    expect(me.json()).toMatchObject({ auth: true, signedIn: true, token: { name: 't-read', scope: 'read' } });
    expect((await a.inject({ method: 'GET', url: '/api/boots', headers: jar })).statusCode).toBe(200);
    // The cookie carries a read token: writing stays forbidden.
    const write = await a.inject({
      method: 'POST',
      url: '/api/boots',
      headers: { ...json, ...jar },
      payload: { target: 'qemu' },
    });
    expect(write.statusCode).toBe(403);
    const out = await a.inject({ method: 'DELETE', url: '/api/session', headers: jar });
    expect(out.statusCode).toBe(204);
    expect(String(out.headers['set-cookie'])).toMatch(/bootwatch_session=;/);
  });

  it('stops a revoked token at once', async () => {
    const a = await start({ auth: true });
    const t = await tokens();
    expect((await a.inject({ method: 'GET', url: '/api/boots', headers: bearer(t.read) })).statusCode).toBe(
      200,
    );
    await revokeToken(database!.db, 't-read');
    expect((await a.inject({ method: 'GET', url: '/api/boots', headers: bearer(t.read) })).statusCode).toBe(
      401,
    );
  });

  it('answers 429 with Retry-After after 100 failed authentications from one address', async () => {
    const a = await start({ auth: true });
    const t = await tokens();
    const codes: number[] = [];
    for (let i = 0; i < 101; i++)
      codes.push(
        (await a.inject({ method: 'GET', url: '/api/boots', headers: bearer(`guess-${i}`) })).statusCode,
      );
    expect(codes.slice(0, 100).every((c) => c === 401)).toBe(true);
    const blocked = await a.inject({ method: 'GET', url: '/api/boots', headers: bearer(t.read) });
    expect(codes[100]).toBe(429);
    expect(blocked.statusCode).toBe(429);
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);
    // Another address is not punished for it.
    const elsewhere = await a.inject({
      method: 'GET',
      url: '/api/boots',
      headers: bearer(t.read),
      remoteAddress: '127.0.0.9',
    });
    expect(elsewhere.statusCode).toBe(200);
  });
});

describe('rules that hold with auth off', () => {
  it('refuses cross-origin writes and socket upgrades, and form or text bodies', async () => {
    const a = await start();
    const post = (headers: Record<string, string>, payload = '{"target":"qemu"}') =>
      a.inject({ method: 'POST', url: '/api/boots', headers, payload });
    expect((await post({ ...json, origin: 'http://evil.example' })).statusCode).toBe(403);
    expect((await post({ ...json, origin: 'null' })).statusCode).toBe(403);
    expect((await post({ ...json, origin: 'http://localhost:80' })).statusCode).toBe(201);
    expect((await post(json)).statusCode).toBe(201);
    for (const type of [
      'text/plain',
      'text/plain;charset=UTF-8',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
    ])
      expect((await post({ 'content-type': type })).statusCode, type).toBe(415);
    const logs = await a.inject({
      method: 'POST',
      url: '/api/logs',
      headers: { 'content-type': 'text/plain' },
      payload: 'Linux version 6.1.0\n',
    });
    expect(logs.statusCode).toBe(415);
    await expect(
      a.injectWS('/api/feed', { headers: { origin: 'http://evil.example' } } as never),
    ).rejects.toThrow(/403/);
    const same = await a.injectWS('/api/feed', {
      headers: { origin: 'http://localhost', host: 'localhost' },
    } as never);
    same.terminate();
    const boots = (await a.inject({ method: 'GET', url: '/api/boots' })).json() as unknown[];
    expect(boots).toHaveLength(2);
  });

  it('answers only loopback host names on loopback (no DNS rebinding)', async () => {
    const a = await start();
    const r = await a.inject({ method: 'GET', url: '/api/boots', headers: { host: 'rebound.example:8080' } });
    expect(r.statusCode).toBe(403);
    expect(
      (await a.inject({ method: 'GET', url: '/api/boots', headers: { host: '127.0.0.1:8080' } })).statusCode,
    ).toBe(200);
  });

  it('sends nosniff everywhere and a CSP without inline scripts', async () => {
    const a = await start();
    for (const url of ['/', '/api/boots', '/api/health', '/api/nothing-here']) {
      const r = await a.inject({ method: 'GET', url });
      expect(r.headers['x-content-type-options'], url).toBe('nosniff');
    }
    const csp = String((await a.inject({ method: 'GET', url: '/' })).headers['content-security-policy']);
    const scriptSrc = /script-src ([^;]*)/.exec(csp)?.[1] ?? /default-src ([^;]*)/.exec(csp)?.[1];
    expect(scriptSrc).toBeDefined();
    expect(scriptSrc).not.toContain("'unsafe-inline'");
  });

  it('answers 429 with Retry-After to a client over its rate', async () => {
    const a = await start({ rateLimit: 5 });
    const codes: number[] = [];
    let last: LightMyRequestResponse | null = null;
    for (let i = 0; i < 7; i++) {
      last = await a.inject({ method: 'GET', url: '/api/boots' });
      codes.push(last.statusCode);
    }
    expect(codes).toEqual([200, 200, 200, 200, 200, 429, 429]);
    expect(Number(last!.headers['retry-after'])).toBeGreaterThan(0);
    expect(last!.json().error.code).toBe('rate.limited');
  });
});
