/**
 * Tokens as the database keeps them: made once (the secret is returned, only its hash
 * stored), listed without secrets, revoked by name, and looked up by the secret's hash.
 */
import { createHash, randomBytes } from 'node:crypto';
import { and, asc, eq, isNull } from 'drizzle-orm';
import { BootwatchError } from '../../common/errors.ts';
import { TOKEN_SCOPES, type TokenInfo, type TokenScope } from '../../common/types/access.ts';
import type { Db } from '../db/client.ts';
import { apiTokens } from '../db/schema/index.ts';

/** A live token as a request acts with it. */
export interface Token {
  id: number;
  name: string;
  scope: TokenScope;
}

const SECRET_PREFIX = 'bw_';
const NAME = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/;
/** last_used_at is written at most this often per token: reads must not turn into writes. */
const TOUCH_EVERY_MS = 60_000;

/** SHA-256 of a secret, hex. */
function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

/** Secrets look like `bw_` + 43 base64url characters; anything else is not worth a query. */
function looksLikeSecret(s: string): boolean {
  return /^bw_[A-Za-z0-9_-]{43}$/.test(s);
}

function checkTokenName(name: string): void {
  if (!NAME.test(name))
    throw new BootwatchError(
      'input.invalid',
      `a token name is 1-64 letters, digits, '.', '_', '@' or '-' (starting with a letter or digit), not ${JSON.stringify(name)}`,
    );
}

function checkScope(scope: string): asserts scope is TokenScope {
  if (!(TOKEN_SCOPES as readonly string[]).includes(scope))
    throw new BootwatchError(
      'input.invalid',
      `scope must be one of ${TOKEN_SCOPES.join(', ')}, not "${scope}"`,
    );
}

/** Makes a token; the secret in the answer is the only copy there will ever be. */
export async function createToken(
  db: Db,
  name: string,
  scope: string,
): Promise<{ secret: string; token: TokenInfo }> {
  checkTokenName(name);
  checkScope(scope);
  const secret = SECRET_PREFIX + randomBytes(32).toString('base64url');
  const taken = await db
    .select({ id: apiTokens.id })
    .from(apiTokens)
    .where(and(eq(apiTokens.name, name), isNull(apiTokens.revokedAt)));
  if (taken.length)
    throw new BootwatchError(
      'conflict',
      `a token named "${name}" exists; revoke it first or pick another name`,
    );
  const [row] = await db
    .insert(apiTokens)
    .values({ name, scope, hash: hashSecret(secret) })
    .returning();
  return { secret, token: infoOf(row) };
}

/** Live tokens, oldest first, without secrets. */
export async function listTokens(db: Db): Promise<TokenInfo[]> {
  const rows = await db
    .select()
    .from(apiTokens)
    .where(isNull(apiTokens.revokedAt))
    .orderBy(asc(apiTokens.id));
  return rows.map(infoOf);
}

/** Revokes the live token of that name; returns its id. */
export async function revokeToken(db: Db, name: string): Promise<number> {
  const rows = await db
    .update(apiTokens)
    .set({ revokedAt: new Date() })
    .where(and(eq(apiTokens.name, name), isNull(apiTokens.revokedAt)))
    .returning({ id: apiTokens.id });
  if (!rows.length) throw new BootwatchError('route.not_found', `no live token named "${name}"`);
  return rows[0].id;
}

const lastTouch = new Map<number, number>();

/** The live token with this secret, or null; notes when it was last used. */
export async function findToken(db: Db, secret: string): Promise<Token | null> {
  if (!looksLikeSecret(secret)) return null;
  const [row] = await db
    .select({ id: apiTokens.id, name: apiTokens.name, scope: apiTokens.scope })
    .from(apiTokens)
    .where(and(eq(apiTokens.hash, hashSecret(secret)), isNull(apiTokens.revokedAt)));
  if (!row) return null;
  const now = Date.now();
  if (now - (lastTouch.get(row.id) ?? 0) > TOUCH_EVERY_MS) {
    lastTouch.set(row.id, now);
    await db
      .update(apiTokens)
      .set({ lastUsedAt: new Date(now) })
      .where(eq(apiTokens.id, row.id));
  }
  return row;
}

/** Whether a token is still live (open sockets re-check it). */
export async function tokenIsLive(db: Db, id: number): Promise<boolean> {
  const rows = await db
    .select({ id: apiTokens.id })
    .from(apiTokens)
    .where(and(eq(apiTokens.id, id), isNull(apiTokens.revokedAt)));
  return rows.length > 0;
}

function infoOf(row: typeof apiTokens.$inferSelect): TokenInfo {
  return {
    name: row.name,
    scope: row.scope,
    createdAt: row.createdAt.toISOString(),
    lastUsedAt: row.lastUsedAt ? row.lastUsedAt.toISOString() : null,
  };
}
