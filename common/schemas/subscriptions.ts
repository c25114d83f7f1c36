/** Subscriptions to alerts (`/api/subscriptions`), their deliveries and delivery attempts. */
import { type Static, Type } from '@sinclair/typebox';
import { ALERT_CHANNELS, ALERT_KINDS, DELIVERY_STATUSES } from '../alert-kinds.ts';
import { Nullable, StringEnum, Timestamp } from './common.ts';

const Globs = (what: string) =>
  Type.Array(Type.String({ minLength: 1, maxLength: 200 }), {
    maxItems: 50,
    description: `${what} globs (picomatch: *, ?, [..], {a,b}); empty matches every one`,
  });

const fields = {
  name: Type.String({ minLength: 1, maxLength: 200 }),
  variants: Globs('variant name'),
  matrices: Globs('matrix name'),
  arches: Globs('architecture'),
  events: Type.Array(StringEnum(ALERT_KINDS), {
    minItems: 1,
    maxItems: ALERT_KINDS.length,
    uniqueItems: true,
  }),
  channel: StringEnum(
    ALERT_CHANNELS,
    'email: a mail over SMTP; webhook: JSON signed with X-Bootwatch-Signature; slack, matrix: their message bodies',
  ),
  target: Type.String({
    minLength: 3,
    maxLength: 2000,
    description: 'email: comma-separated addresses; otherwise an http(s) URL',
  }),
  sizeOver: Nullable(
    Type.Integer({
      minimum: 1,
      maximum: 2147483647,
      description: 'size_over alerts only when the image grew by at least this many bytes',
    }),
  ),
  enabled: Type.Boolean(),
};

/** `POST /api/subscriptions`. */
export const SubscriptionInput = Type.Object({
  ...fields,
  variants: Type.Optional(fields.variants),
  matrices: Type.Optional(fields.matrices),
  arches: Type.Optional(fields.arches),
  sizeOver: Type.Optional(fields.sizeOver),
  enabled: Type.Optional(fields.enabled),
});
export type SubscriptionInput = Static<typeof SubscriptionInput>;

/** `PATCH /api/subscriptions/:id`: the fields to change. */
export const SubscriptionPatch = Type.Partial(Type.Object(fields), { minProperties: 1 });
export type SubscriptionPatch = Static<typeof SubscriptionPatch>;

/** A subscription as read back: never its webhook secret. */
export const Subscription = Type.Object({
  id: Type.Integer(),
  ...fields,
  owner: Nullable(Type.String({ description: 'the name of the token that made it (null: auth off)' })),
  createdAt: Timestamp,
  pending: Type.Integer({ description: 'alerts waiting to be sent' }),
  lastDelivery: Nullable(
    Type.Object({ id: Type.Integer(), status: StringEnum(DELIVERY_STATUSES), at: Timestamp }),
  ),
});
export type Subscription = Static<typeof Subscription>;

/** `POST /api/subscriptions`'s answer: the only time a webhook's signing secret is shown. */
export const CreatedSubscription = Type.Object({
  subscription: Subscription,
  secret: Nullable(
    Type.String({
      description:
        'HMAC-SHA256 key of X-Bootwatch-Signature (webhook, slack, matrix); shown once, never again',
    }),
  ),
});
export type CreatedSubscription = Static<typeof CreatedSubscription>;

/** One thing worth telling, as alerts and webhooks carry it. */
export const AlertItem = Type.Object({
  id: Type.Integer(),
  kind: StringEnum(ALERT_KINDS),
  title: Type.String(),
  variant: Nullable(Type.String()),
  matrix: Nullable(Type.String()),
  arch: Nullable(Type.String()),
  issueId: Nullable(Type.Integer()),
  regressionId: Nullable(Type.Integer()),
  bootId: Nullable(Type.Integer()),
  buildId: Nullable(Type.Integer()),
  url: Nullable(Type.String({ description: 'the dashboard page (null: no BOOTWATCH_PUBLIC_URL)' })),
  createdAt: Timestamp,
});
export type AlertItem = Static<typeof AlertItem>;

/** One try at sending a delivery. */
const DeliveryAttempt = Type.Object({
  attempt: Type.Integer(),
  at: Timestamp,
  ok: Type.Boolean(),
  code: Nullable(Type.Integer({ description: 'HTTP status, or the SMTP reply code' })),
  response: Nullable(Type.String({ description: "the receiver's answer, cut at 500 characters" })),
  error: Nullable(Type.String()),
  durationMs: Type.Integer(),
});

/** One message to a subscription: one alert, or a digest of those that fired together. */
export const Delivery = Type.Object({
  id: Type.Integer(),
  messageId: Type.String({ description: 'stable across retries: receivers drop a repeat by it' }),
  status: StringEnum(DELIVERY_STATUSES),
  attempts: Type.Integer(),
  nextAttemptAt: Nullable(Timestamp),
  createdAt: Timestamp,
  sentAt: Nullable(Timestamp),
  lastError: Nullable(Type.String()),
  alerts: Type.Array(AlertItem),
  history: Type.Array(DeliveryAttempt),
});
export type Delivery = Static<typeof Delivery>;

/** The generic webhook's body (channel `webhook`), signed as README "Alerts" says. */
export const WebhookPayload = Type.Object({
  id: Type.String({ description: "the delivery's stable id (also X-Bootwatch-Delivery)" }),
  subscription: Type.Object({ id: Type.Integer(), name: Type.String() }),
  digest: Type.Boolean({ description: 'true when several alerts fired together' }),
  alerts: Type.Array(AlertItem),
  text: Type.String({ description: 'the plain-text message, as a mail would carry it' }),
});
export type WebhookPayload = Static<typeof WebhookPayload>;
