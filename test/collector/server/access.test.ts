/**
 * CONTRACT.md "Access" through app.inject: public read, sign-in, revocation, the failed
 * authentication cap, and the rules that hold with auth off (Origin, 415, Host, headers, rate
 * limit). Scopes of every route and ownership run against a real process: hostile-clients.test.ts.
 */
import type { LightMyRequestResponse } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { type AccessOptions, defaultAccess } from '../../../collector/auth/access-options.ts';
import { createToken, revokeToken } from '../../../collector/auth/tokens.ts';
import type { Database } from '../../../collector/db/client.ts';
import { buildApp } from '../../../collector/server/app.ts';
import type { App } from '../../../collector/server/types.ts';
import { TOKEN_SCOPES, type TokenScope } from '../../../common/types/access.ts';
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

describe('access with auth on', () => {
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
    for (const url of ['/', '/api/boots', '/api/health', '/api/nothing-here', '/api/boots/%zz', '/%']) {
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
