/** Subscriptions to alerts and what was delivered to them. */
import { randomBytes } from 'node:crypto';
import { and, desc, eq, inArray, isNull, sql } from 'drizzle-orm';
import type {
  Delivery,
  Subscription,
  SubscriptionInput,
  SubscriptionPatch,
} from '../../common/schemas/subscriptions.ts';
import type { Db } from '../db/client.ts';
import { iso } from '../db/rows.ts';
import {
  alertDeliveries,
  alertQueue,
  alerts,
  deliveryAttempts,
  type Submitter,
  subscriptions,
} from '../db/schema/index.ts';
import { alertItem, stableId } from './message.ts';

type Row = typeof subscriptions.$inferSelect;

/** Whose subscriptions a reader sees: everyone's (admins, auth off), or one token's. */
export type Viewer = { all: true } | { all: false; tokenId: number | null };

const visibleTo = (v: Viewer) =>
  v.all
    ? undefined
    : v.tokenId == null
      ? isNull(subscriptions.ownerTokenId)
      : eq(subscriptions.ownerTokenId, v.tokenId);

async function toSubscriptions(db: Db, rows: Row[]): Promise<Subscription[]> {
  if (!rows.length) return [];
  const ids = rows.map((r) => r.id);
  const pending = await db
    .select({ id: alertQueue.subscriptionId, n: sql<number>`count(*)::int` })
    .from(alertQueue)
    .leftJoin(alertDeliveries, eq(alertDeliveries.id, alertQueue.deliveryId))
    .where(
      and(
        inArray(alertQueue.subscriptionId, ids),
        sql`(${alertQueue.deliveryId} is null or ${alertDeliveries.status} = 'pending')`,
      ),
    )
    .groupBy(alertQueue.subscriptionId);
  const last = await db
    .selectDistinctOn([alertDeliveries.subscriptionId], {
      subscriptionId: alertDeliveries.subscriptionId,
      id: alertDeliveries.id,
      status: alertDeliveries.status,
      at: sql<Date>`coalesce(${alertDeliveries.sentAt}, ${alertDeliveries.createdAt})`.mapWith(
        alertDeliveries.createdAt,
      ),
    })
    .from(alertDeliveries)
    .where(inArray(alertDeliveries.subscriptionId, ids))
    .orderBy(alertDeliveries.subscriptionId, desc(alertDeliveries.id));
  return rows.map((r) => {
    const l = last.find((x) => x.subscriptionId === r.id);
    return {
      id: r.id,
      name: r.name,
      variants: r.variants,
      matrices: r.matrices,
      arches: r.arches,
      events: r.events,
      channel: r.channel,
      target: r.target,
      sizeOver: r.sizeOver,
      enabled: r.enabled,
      owner: r.submittedBy,
      createdAt: iso(r.createdAt)!,
      pending: pending.find((p) => p.id === r.id)?.n ?? 0,
      lastDelivery: l ? { id: l.id, status: l.status, at: iso(l.at)! } : null,
    };
  });
}

/** Makes a subscription; an HTTP one gets a fresh signing secret, returned this once. */
export async function createSubscription(
  db: Db,
  input: SubscriptionInput,
  by: Submitter,
): Promise<{ subscription: Subscription; secret: string | null }> {
  const secret = input.channel === 'email' ? null : `whsec_${randomBytes(32).toString('base64url')}`;
  const [row] = await db
    .insert(subscriptions)
    .values({
      name: input.name,
      variants: input.variants ?? [],
      matrices: input.matrices ?? [],
      arches: input.arches ?? [],
      events: input.events,
      channel: input.channel,
      target: input.target,
      sizeOver: input.sizeOver ?? null,
      enabled: input.enabled ?? true,
      secret,
      ...by,
    })
    .returning();
  const [subscription] = await toSubscriptions(db, [row]);
  return { subscription, secret };
}

/** The subscriptions a viewer sees, newest first. */
export async function listSubscriptions(db: Db, viewer: Viewer): Promise<Subscription[]> {
  const rows = await db.select().from(subscriptions).where(visibleTo(viewer)).orderBy(desc(subscriptions.id));
  return toSubscriptions(db, rows);
}

/** One subscription if the viewer may see it (else null, as if it did not exist). */
export async function getSubscription(db: Db, id: number, viewer: Viewer): Promise<Subscription | null> {
  const rows = await db
    .select()
    .from(subscriptions)
    .where(and(eq(subscriptions.id, id), visibleTo(viewer)));
  return (await toSubscriptions(db, rows))[0] ?? null;
}

/** Changes a visible subscription; null when the viewer sees none with that id. */
export async function updateSubscription(
  db: Db,
  id: number,
  patch: SubscriptionPatch,
  viewer: Viewer,
): Promise<Subscription | null> {
  const rows = await db
    .update(subscriptions)
    .set(patch)
    .where(and(eq(subscriptions.id, id), visibleTo(viewer)))
    .returning();
  return (await toSubscriptions(db, rows))[0] ?? null;
}

/** Deletes a visible subscription with its queue and deliveries; false when the viewer sees none. */
export async function deleteSubscription(db: Db, id: number, viewer: Viewer): Promise<boolean> {
  const rows = await db
    .delete(subscriptions)
    .where(and(eq(subscriptions.id, id), visibleTo(viewer)))
    .returning({ id: subscriptions.id });
  return rows.length > 0;
}

/** A subscription's deliveries, newest first, each with its alerts and every attempt. */
export async function listDeliveries(
  db: Db,
  subscriptionId: number,
  limit: number,
  baseUrl: string | null,
): Promise<Delivery[]> {
  const rows = await db
    .select()
    .from(alertDeliveries)
    .where(eq(alertDeliveries.subscriptionId, subscriptionId))
    .orderBy(desc(alertDeliveries.id))
    .limit(limit);
  if (!rows.length) return [];
  const ids = rows.map((r) => r.id);
  const carried = await db
    .select({ deliveryId: alertQueue.deliveryId, alert: alerts })
    .from(alertQueue)
    .innerJoin(alerts, eq(alerts.id, alertQueue.alertId))
    .where(inArray(alertQueue.deliveryId, ids))
    .orderBy(alerts.id);
  const tries = await db
    .select()
    .from(deliveryAttempts)
    .where(inArray(deliveryAttempts.deliveryId, ids))
    .orderBy(deliveryAttempts.deliveryId, deliveryAttempts.attempt, deliveryAttempts.id);
  return rows.map((d) => ({
    id: d.id,
    messageId: stableId(d.id),
    status: d.status,
    attempts: d.attempts,
    nextAttemptAt: d.status === 'pending' ? iso(d.nextAttemptAt) : null,
    createdAt: iso(d.createdAt)!,
    sentAt: iso(d.sentAt),
    lastError: d.lastError,
    alerts: carried.filter((c) => c.deliveryId === d.id).map((c) => alertItem(c.alert, baseUrl)),
    history: tries
      .filter((t) => t.deliveryId === d.id)
      .map((t) => ({
        attempt: t.attempt,
        at: iso(t.at)!,
        ok: t.ok,
        code: t.code,
        response: t.response,
        error: t.error,
        durationMs: t.durationMs,
      })),
  }));
}
