/**
 * Ownership (CONTRACT.md "Access"): a submit token may append to, finish or overwrite only
 * what the same token created; admins, and everyone on a collector with auth off, may.
 */
import { eq } from 'drizzle-orm';
import type { FastifyRequest } from 'fastify';
import { BootwatchError } from '../../common/errors.ts';
import type { Db } from '../db/client.ts';
import { bisections, boots, climbs, NO_SUBMITTER, type Submitter } from '../db/schema/index.ts';

/** Who a request's new rows are recorded as. */
export function submitterOf(req: FastifyRequest): Submitter {
  const t = req.principal?.token;
  return t ? { ownerTokenId: t.id, submittedBy: t.name } : NO_SUBMITTER;
}

/** Refuses the change unless the request may modify a thing owned by `owner` (undefined: no such thing; the route answers 404). */
export function assertMayModify(req: FastifyRequest, what: string, owner: number | null | undefined): void {
  if (owner === undefined || !req.server.access.options.auth) return;
  const p = req.principal;
  if (p.scope === 'admin' || (p.token !== null && owner === p.token.id)) return;
  throw new BootwatchError(
    'auth.forbidden',
    `${what} was submitted by another token: only that token or an admin may change it`,
  );
}

/** The token that created a boot, by id or idempotency key (null: none); undefined when there is no such boot. */
export async function bootOwner(
  db: Db,
  by: { id: number } | { key: string },
): Promise<number | null | undefined> {
  const where = 'id' in by ? eq(boots.id, by.id) : eq(boots.idempotencyKey, by.key);
  const [row] = await db.select({ owner: boots.ownerTokenId }).from(boots).where(where);
  return row?.owner;
}

/** The token that created a bisection, undefined when none has this key yet. */
export async function bisectionOwner(db: Db, key: string): Promise<number | null | undefined> {
  const [row] = await db
    .select({ owner: bisections.ownerTokenId })
    .from(bisections)
    .where(eq(bisections.key, key));
  return row?.owner;
}

/** The token that created a climb, undefined when none has this key yet. */
export async function climbOwner(db: Db, key: string): Promise<number | null | undefined> {
  const [row] = await db.select({ owner: climbs.ownerTokenId }).from(climbs).where(eq(climbs.key, key));
  return row?.owner;
}
