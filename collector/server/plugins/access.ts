/**
 * Who a request acts as, and whether it may: a bearer token or the dashboard's session
 * cookie names a token; each route needs a scope (GET reads, other methods submit, some
 * admin, a few are public). Also per-client rate limits, a cap on failed authentications
 * per address, a cap on open sockets per client, and open sockets of a revoked token cut.
 */
import type { Socket } from 'node:net';
import cookie from '@fastify/cookie';
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest, RouteOptions } from 'fastify';
import { RateLimiterMemory } from 'rate-limiter-flexible';
import { BootwatchError } from '../../../common/errors.ts';
import { scopeCovers, type TokenScope } from '../../../common/types/access.ts';
import type { AccessOptions } from '../../auth/access-options.ts';
import { findToken, type Token, tokenIsLive } from '../../auth/tokens.ts';
import type { Db } from '../../db/client.ts';
import { isUpgrade } from './hostile-clients.ts';

/** What a route needs; `public` routes answer anyone (health, sign-in, the dashboard's files). */
export type RouteScope = TokenScope | 'public';

/** Who a request acts as: a token (or none), and the scope it has here. */
export interface Principal {
  token: Token | null;
  /** null: nothing may be done but public routes. */
  scope: TokenScope | null;
}

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal;
  }
  interface FastifyContextConfig {
    scope?: RouteScope;
  }
  interface FastifyInstance {
    access: Access;
  }
}

export const SESSION_COOKIE = 'bootwatch_session';
/** How often open sockets' tokens are re-checked (a revoke from another process). */
const SOCKET_RECHECK_MS = 5_000;

/** The scope a route needs: its `config.scope`; outside /api and /metrics the dashboard's files are public; else by method. */
function routeScope(method: string, path: string, config: { scope?: RouteScope } | undefined): RouteScope {
  if (config?.scope) return config.scope;
  if (!path.startsWith('/api/') && path !== '/api' && !path.startsWith('/metrics')) return 'public';
  return method === 'GET' || method === 'HEAD' ? 'read' : 'submit';
}

/** The access state an app shares between its hooks, the session routes and the token commands. */
export class Access {
  private readonly failures: RateLimiterMemory;
  private readonly sockets = new Map<string, number>();
  private readonly tokenSockets = new Map<number, Set<Socket>>();
  private timer: NodeJS.Timeout | null = null;

  constructor(
    readonly options: AccessOptions,
    private readonly db: Db,
  ) {
    this.failures = new RateLimiterMemory({ points: options.failedAuthPerMinute, duration: 60 });
  }

  /** The token a secret names (null when unknown or revoked). */
  lookup(secret: string): Promise<Token | null> {
    return findToken(this.db, secret);
  }

  /** Refuses an address that failed too often this minute. */
  async refuseIfBlocked(req: FastifyRequest): Promise<void> {
    const res = await this.failures.get(req.ip);
    if (res && res.consumedPoints >= this.options.failedAuthPerMinute) {
      throw tooMany(res.msBeforeNext, 'too many failed authentications from this address');
    }
  }

  /** Counts a failed authentication, then throws `err`. */
  async fail(req: FastifyRequest, err: BootwatchError): Promise<never> {
    await this.failures.penalty(req.ip, 1);
    throw err;
  }

  /** The principal of a request from its Authorization header or session cookie. */
  async resolve(req: FastifyRequest): Promise<Principal> {
    const secret = credentialOf(req);
    const { auth, publicRead } = this.options;
    if (secret === null) return { token: null, scope: auth ? (publicRead ? 'read' : null) : 'admin' };
    const token = await this.lookup(secret);
    if (token) return { token, scope: auth ? token.scope : 'admin' };
    // Auth off: a stale token is not worth refusing a local user over.
    if (!auth) return { token: null, scope: 'admin' };
    await this.refuseIfBlocked(req);
    return this.fail(req, new BootwatchError('auth.invalid', 'the token is unknown or revoked'));
  }

  /** Counts an upgrade against its client's socket cap; released when the connection closes. */
  holdSocket(req: FastifyRequest): void {
    const raw = req.raw.socket as Socket | undefined;
    // Injected upgrades (tests) have no connection to count.
    if (!raw) return;
    const key = clientKey(req);
    const open = this.sockets.get(key) ?? 0;
    if (open >= this.options.maxSockets)
      throw tooMany(1000, `at most ${this.options.maxSockets} open sockets per client`);
    this.sockets.set(key, open + 1);
    const token = req.principal.token;
    if (token) {
      const set = this.tokenSockets.get(token.id) ?? new Set();
      set.add(raw);
      this.tokenSockets.set(token.id, set);
      this.timer ??= setInterval(() => void this.recheckSockets(), SOCKET_RECHECK_MS).unref();
    }
    raw.once('close', () => {
      const left = (this.sockets.get(key) ?? 1) - 1;
      if (left > 0) this.sockets.set(key, left);
      else this.sockets.delete(key);
      if (token) {
        const set = this.tokenSockets.get(token.id);
        set?.delete(raw);
        if (set?.size === 0) this.tokenSockets.delete(token.id);
      }
    });
  }

  /** Cuts the open sockets of a token that was just revoked. */
  revoked(tokenId: number): void {
    for (const s of this.tokenSockets.get(tokenId) ?? []) s.destroy();
    this.tokenSockets.delete(tokenId);
  }

  private async recheckSockets(): Promise<void> {
    for (const id of [...this.tokenSockets.keys()]) {
      // A database that is away is no reason to cut a runner's stream.
      const live = await tokenIsLive(this.db, id).catch(() => true);
      if (!live) this.revoked(id);
    }
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}

function tooMany(msBeforeNext: number, why: string): BootwatchError {
  const seconds = Math.max(1, Math.ceil(msBeforeNext / 1000));
  return new BootwatchError('rate.limited', `${why}; retry in ${seconds} s`, { retryAfter: seconds });
}

/** The secret a request carries: `Authorization: Bearer`, else the session cookie. */
function credentialOf(req: FastifyRequest): string | null {
  const header = req.headers.authorization;
  if (header !== undefined) {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
    // A malformed header is a wrong credential, never "no credential".
    return m ? m[1] : header;
  }
  return req.cookies?.[SESSION_COOKIE] || null;
}

/** Rate limits and caps count per token when there is one, else per address. */
function clientKey(req: FastifyRequest): string {
  const token = req.principal?.token;
  return token ? `token:${token.id}` : `addr:${req.ip}`;
}

/** Writes a route's scope, security and access answers into its OpenAPI operation. */
function documentAccess(route: RouteOptions): void {
  const schema = route.schema as Record<string, unknown> | undefined;
  if (!schema || schema.hide) return;
  const method = Array.isArray(route.method) ? route.method[0] : route.method;
  // Fastify's HEAD twin of a GET shares its schema object: documenting it would mark the GET as a write.
  if (method === 'HEAD') return;
  const scope = routeScope(method, route.url, route.config as { scope?: RouteScope } | undefined);
  schema['x-bootwatch-scope'] = scope;
  schema.security = scope === 'public' ? [] : [{ bearerAuth: [] }, { sessionCookie: [] }];
  const response = schema.response as Record<string, unknown> | undefined;
  if (!response) return;
  const codes = [429, ...(scope === 'public' ? [] : [401, 403]), ...(method === 'GET' ? [] : [403, 415])];
  for (const code of codes) response[code] ??= { $ref: 'ApiError' };
}

/** Installs cookies, the principal hook, the rate limiter and the socket caps. */
export async function registerAccess(app: FastifyInstance, access: Access): Promise<void> {
  app.decorate('access', access);
  app.decorateRequest('principal', null as unknown as Principal);
  app.addHook('onClose', async () => access.close());
  app.addHook('onRoute', documentAccess);
  await app.register(cookie);

  app.addHook('onRequest', async (req) => {
    const need = routeScope(req.method, req.routeOptions.url ?? req.url, req.routeOptions.config);
    if (need === 'public') {
      req.principal = { token: null, scope: null };
      return;
    }
    if (access.options.auth) await access.refuseIfBlocked(req);
    req.principal = await access.resolve(req);
    const { scope } = req.principal;
    // No credential is no failed authentication: only wrong tokens count towards the lock-out.
    if (scope === null)
      throw new BootwatchError('auth.required', 'sign in, or send Authorization: Bearer TOKEN');
    else if (!scopeCovers(scope, need))
      throw new BootwatchError(
        'auth.forbidden',
        `this needs a ${need} token; ${req.principal.token ? `"${req.principal.token.name}" is ${scope}` : `anonymous clients may only ${scope}`}`,
      );
    if (isUpgrade(req)) access.holdSocket(req);
  });

  if (access.options.rateLimit > 0)
    await app.register(rateLimit, {
      global: true,
      max: access.options.rateLimit,
      timeWindow: 60_000,
      keyGenerator: clientKey,
      errorResponseBuilder: (_req, ctx) => tooMany(ctx.ttl, `more than ${ctx.max} requests a minute`),
    });
}
