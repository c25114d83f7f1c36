/**
 * The durable outbox: queued alerts become deliveries once their digest window has passed,
 * deliveries are claimed under a lease (FOR UPDATE SKIP LOCKED: several collectors never take
 * the same one), and every attempt's outcome is stored before the next is planned. A
 * collector that dies mid-send leaves its lease to expire; the next sender records that
 * attempt as interrupted and sends the same message (same stable id) again.
 */
import { and, asc, eq, inArray, isNull, lte, type SQL, sql } from 'drizzle-orm';
import { setting } from '../../common/settings.ts';
import type { Db } from '../db/client.ts';
import { alertDeliveries, alertQueue, deliveryAttempts, subscriptions } from '../db/schema/index.ts';

/** Backoff never waits longer than this. */
const MAX_BACKOFF_MS = 3_600_000;

export type SubscriptionRow = typeof subscriptions.$inferSelect;
type DeliveryRow = typeof alertDeliveries.$inferSelect;

/** A delivery this process holds, with its subscription and the alerts it carries. */
export interface Claimed {
  delivery: DeliveryRow;
  subscription: SubscriptionRow;
  alertIds: number[];
  /** The previous sender died holding it: its attempt ended unknown. */
  interrupted: boolean;
}

/** What one attempt got from the receiver. */
export interface AttemptOutcome {
  ok: boolean;
  code: number | null;
  response: string | null;
  error: string | null;
  durationMs: number;
}

/** Batches the subscriptions whose oldest queued alert is due: everything they have queued becomes one delivery. */
export async function batchDue(db: Db): Promise<number> {
  return db.transaction(async (tx) => {
    const due = tx
      .selectDistinct({ id: alertQueue.subscriptionId })
      .from(alertQueue)
      .where(and(isNull(alertQueue.deliveryId), lte(alertQueue.dueAt, sql`now()`)));
    const rows = await tx
      .select({ subscriptionId: alertQueue.subscriptionId, alertId: alertQueue.alertId })
      .from(alertQueue)
      .where(and(isNull(alertQueue.deliveryId), inArray(alertQueue.subscriptionId, due)))
      .for('update', { skipLocked: true });
    const bySub = new Map<number, number[]>();
    for (const r of rows) bySub.set(r.subscriptionId, [...(bySub.get(r.subscriptionId) ?? []), r.alertId]);
    for (const [subscriptionId, alertIds] of bySub) {
      const [d] = await tx
        .insert(alertDeliveries)
        .values({ subscriptionId })
        .returning({ id: alertDeliveries.id });
      await tx
        .update(alertQueue)
        .set({ deliveryId: d.id })
        .where(and(eq(alertQueue.subscriptionId, subscriptionId), inArray(alertQueue.alertId, alertIds)));
    }
    return bySub.size;
  });
}

/** Claims up to `limit` due deliveries for this process, counting the attempt before it is made. */
export async function claimDue(db: Db, limit: number): Promise<Claimed[]> {
  const claimed = await db.transaction(async (tx) => {
    const rows = await tx
      .select()
      .from(alertDeliveries)
      .where(
        and(
          eq(alertDeliveries.status, 'pending'),
          lte(alertDeliveries.nextAttemptAt, sql`now()`),
          sql`(${alertDeliveries.leaseUntil} is null or ${alertDeliveries.leaseUntil} < now())`,
        ),
      )
      .orderBy(asc(alertDeliveries.nextAttemptAt))
      .limit(limit)
      .for('update', { skipLocked: true });
    if (!rows.length) return [];
    const taken = await tx
      .update(alertDeliveries)
      .set({
        attempts: sql`${alertDeliveries.attempts} + 1`,
        // Well past a send's own time limit (BOOTWATCH_ALERT_LEASE_MS).
        leaseUntil: sql`now() + ${setting('BOOTWATCH_ALERT_LEASE_MS')} * interval '1 millisecond'`,
      })
      .where(
        inArray(
          alertDeliveries.id,
          rows.map((r) => r.id),
        ),
      )
      .returning();
    const interrupted = new Set(rows.filter((r) => r.leaseUntil != null).map((r) => r.id));
    // The dead sender's attempt: counted when it was claimed, its outcome never known.
    for (const r of rows)
      if (interrupted.has(r.id))
        await tx.insert(deliveryAttempts).values({
          deliveryId: r.id,
          attempt: r.attempts,
          ok: false,
          error: 'the sender stopped before the outcome was known (collector restarted?); sending again',
          durationMs: 0,
        });
    return taken.map((delivery) => ({ delivery, interrupted: interrupted.has(delivery.id) }));
  });
  if (!claimed.length) return [];
  const ids = claimed.map((c) => c.delivery.id);
  const subs = await db
    .select()
    .from(subscriptions)
    .where(
      inArray(
        subscriptions.id,
        claimed.map((c) => c.delivery.subscriptionId),
      ),
    );
  const queue = await db
    .select({ deliveryId: alertQueue.deliveryId, alertId: alertQueue.alertId })
    .from(alertQueue)
    .where(inArray(alertQueue.deliveryId, ids));
  return claimed.flatMap(({ delivery, interrupted }) => {
    const subscription = subs.find((s) => s.id === delivery.subscriptionId);
    // Deleted meanwhile: the cascade took the delivery with it.
    if (!subscription) return [];
    const alertIds = queue.filter((q) => q.deliveryId === delivery.id).map((q) => q.alertId);
    return [{ delivery, subscription, alertIds, interrupted }];
  });
}

/** The wait before attempt `n + 1` after `n` failed: `base`, doubling, at most an hour. */
function backoffMs(base: number, attempts: number): number {
  return Math.min(MAX_BACKOFF_MS, base * 2 ** Math.max(0, attempts - 1));
}

/** Stores an attempt's outcome and plans what comes next: done, a retry after a backoff, or given up. */
export async function finishAttempt(
  db: Db,
  d: DeliveryRow,
  outcome: AttemptOutcome,
  retry: { baseMs: number; maxAttempts: number },
): Promise<void> {
  const giveUp = !outcome.ok && d.attempts >= retry.maxAttempts;
  await db.transaction(async (tx) => {
    await tx.insert(deliveryAttempts).values({
      deliveryId: d.id,
      attempt: d.attempts,
      ok: outcome.ok,
      code: outcome.code,
      response: outcome.response?.slice(0, 500) ?? null,
      error: outcome.error?.slice(0, 500) ?? null,
      durationMs: Math.round(outcome.durationMs),
    });
    await tx
      .update(alertDeliveries)
      .set(
        outcome.ok
          ? { status: 'sent', sentAt: sql`now()`, leaseUntil: null, lastError: null }
          : {
              status: giveUp ? 'failed' : 'pending',
              leaseUntil: null,
              lastError: outcome.error?.slice(0, 500) ?? `answered ${outcome.code}`,
              nextAttemptAt: sql`now() + ${backoffMs(retry.baseMs, d.attempts)} * interval '1 millisecond'`,
            },
      )
      .where(eq(alertDeliveries.id, d.id));
  });
}

/** Milliseconds (by the database's clock) until the outbox next has work, null when it has none. */
export async function nextWorkInMs(db: Db): Promise<number | null> {
  const until = (t: SQL) => sql<string | null>`extract(epoch from (min(${t}) - now())) * 1000`;
  const [queued] = await db
    .select({ ms: until(sql`${alertQueue.dueAt}`) })
    .from(alertQueue)
    .where(isNull(alertQueue.deliveryId));
  const [pending] = await db
    .select({
      ms: until(
        sql`greatest(${alertDeliveries.nextAttemptAt}, coalesce(${alertDeliveries.leaseUntil}, ${alertDeliveries.nextAttemptAt}))`,
      ),
    })
    .from(alertDeliveries)
    .where(eq(alertDeliveries.status, 'pending'));
  const all = [queued?.ms, pending?.ms].filter((v) => v != null).map(Number);
  return all.length ? Math.min(...all) : null;
}
