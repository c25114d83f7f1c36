/**
 * Alerts people subscribe to: subscriptions (owned by a token), alerts (one per issue or
 * regression event, deduplicated by key), and the durable outbox that delivers them —
 * queue rows per subscription and alert, deliveries (one message each, retried) and every
 * attempt.
 */

import { sql } from 'drizzle-orm';
import { boolean, index, integer, jsonb, pgTable, primaryKey, text } from 'drizzle-orm/pg-core';
import type { AlertChannel, AlertKind, DeliveryStatus } from '../../../common/alert-kinds.ts';
import { at, createdAt } from './columns.ts';
import { submitter } from './tokens.ts';

export const subscriptions = pgTable(
  'subscriptions',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    name: text('name').notNull(),
    /** Globs; an empty list matches everything. */
    variants: jsonb('variants').$type<string[]>().notNull().default([]),
    matrices: jsonb('matrices').$type<string[]>().notNull().default([]),
    arches: jsonb('arches').$type<string[]>().notNull().default([]),
    events: jsonb('events').$type<AlertKind[]>().notNull(),
    channel: text('channel').$type<AlertChannel>().notNull(),
    /** Mail addresses, or the webhook's URL. */
    target: text('target').notNull(),
    /** HMAC key for webhook signatures: kept to sign with, shown once at creation. */
    secret: text('secret'),
    sizeOver: integer('size_over'),
    enabled: boolean('enabled').notNull().default(true),
    ...submitter(),
    createdAt: createdAt(),
  },
  (t) => [index('subscriptions_owner_idx').on(t.ownerTokenId)],
);

/** What an alert points at, for its message and links. */
export interface AlertRefs {
  issueId: number | null;
  regressionId: number | null;
  bootId: number | null;
  buildId: number | null;
  /** Size growth in bytes (size_over), for a subscription's own threshold. */
  growth: number | null;
}

export const alerts = pgTable(
  'alerts',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    /** Dedupe key: `regression:12`, `issue_new:4:7` (issue, variant)...: one alert per event, not per boot. */
    key: text('key').notNull().unique(),
    kind: text('kind').$type<AlertKind>().notNull(),
    title: text('title').notNull(),
    variant: text('variant'),
    matrix: text('matrix'),
    arch: text('arch'),
    /** Mails about one issue or regression thread under this key. */
    thread: text('thread').notNull(),
    refs: jsonb('refs').$type<AlertRefs>().notNull(),
    createdAt: createdAt(),
  },
  (t) => [index('alerts_created_idx').on(t.createdAt.desc().nullsFirst())],
);

/** One message to a subscription: an alert, or a digest of several; retried until sent or given up. */
export const alertDeliveries = pgTable(
  'alert_deliveries',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    subscriptionId: integer('subscription_id')
      .notNull()
      .references(() => subscriptions.id, { onDelete: 'cascade' }),
    status: text('status').$type<DeliveryStatus>().notNull().default('pending'),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: at('next_attempt_at').notNull().defaultNow(),
    /** A sender holds it until then; a sender that died lets it go by itself. */
    leaseUntil: at('lease_until'),
    createdAt: createdAt(),
    sentAt: at('sent_at'),
    lastError: text('last_error'),
  },
  (t) => [
    index('alert_deliveries_due_idx').on(t.nextAttemptAt).where(sql`status = 'pending'`),
    index('alert_deliveries_subscription_idx').on(t.subscriptionId, t.id.desc().nullsFirst()),
  ],
);

/** An alert waiting for a subscription; batched into a delivery once its digest window has passed. */
export const alertQueue = pgTable(
  'alert_queue',
  {
    subscriptionId: integer('subscription_id')
      .notNull()
      .references(() => subscriptions.id, { onDelete: 'cascade' }),
    alertId: integer('alert_id')
      .notNull()
      .references(() => alerts.id, { onDelete: 'cascade' }),
    deliveryId: integer('delivery_id').references(() => alertDeliveries.id, { onDelete: 'cascade' }),
    dueAt: at('due_at').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.subscriptionId, t.alertId] }),
    index('alert_queue_unbatched_idx').on(t.dueAt).where(sql`delivery_id is null`),
    index('alert_queue_delivery_idx').on(t.deliveryId),
  ],
);

/** Every try at sending a delivery, as the receiver answered it. */
export const deliveryAttempts = pgTable(
  'delivery_attempts',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    deliveryId: integer('delivery_id')
      .notNull()
      .references(() => alertDeliveries.id, { onDelete: 'cascade' }),
    attempt: integer('attempt').notNull(),
    at: at('at').notNull().defaultNow(),
    ok: boolean('ok').notNull(),
    code: integer('code'),
    response: text('response'),
    error: text('error'),
    durationMs: integer('duration_ms').notNull(),
  },
  (t) => [index('delivery_attempts_delivery_idx').on(t.deliveryId, t.attempt)],
);
