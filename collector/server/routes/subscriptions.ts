/**
 * Subscriptions to alerts: a submit token manages its own, an admin every one; another
 * token's subscription answers 404, as if it did not exist.
 */
import { Type } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import { BootwatchError } from '../../../common/errors.ts';
import {
  CreatedSubscription,
  Delivery,
  Subscription,
  SubscriptionInput,
  SubscriptionPatch,
  WebhookPayload,
} from '../../../common/schemas/subscriptions.ts';
import {
  createSubscription,
  deleteSubscription,
  getSubscription,
  listDeliveries,
  listSubscriptions,
  updateSubscription,
  type Viewer,
} from '../../alerts/subscriptions.ts';
import { submitterOf } from '../ownership.ts';
import { publicBaseUrl } from '../public-url.ts';
import { errors, IdParams } from '../schemas/common.ts';
import type { App } from '../types.ts';

/** How a channel `webhook` request is signed (slack and matrix bodies carry the same headers). */
const WEBHOOK_HEADERS =
  'channel webhook: this body, POSTed as JSON. Every HTTP channel sends X-Bootwatch-Delivery (the stable ' +
  'delivery id, the same on every retry), X-Bootwatch-Timestamp (Unix seconds) and X-Bootwatch-Signature: ' +
  '"sha256=" + hex HMAC-SHA256 of "<timestamp>.<raw body>" keyed with the secret this answer shows once.';

const EMAIL = /^[^\s@,<>]+@[^\s@,<>]+\.[^\s@,<>]+$/;

/** Refuses a target its channel cannot use: mail addresses for email, an http(s) URL otherwise. */
function checkTarget(channel: string, target: string): void {
  if (channel === 'email') {
    const bad = target
      .split(',')
      .map((a) => a.trim())
      .find((a) => !EMAIL.test(a));
    if (bad !== undefined) throw new BootwatchError('input.invalid', `not a mail address: "${bad}"`);
    return;
  }
  let url: URL;
  try {
    url = new URL(target);
  } catch {
    throw new BootwatchError('input.invalid', `not a URL: "${target}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new BootwatchError(
      'input.invalid',
      `a ${channel} target must be an http(s) URL, not ${url.protocol}`,
    );
}

/** Admins (and everyone with auth off) see every subscription; a submit token its own. */
function viewerOf(req: FastifyRequest): Viewer {
  const p = req.principal;
  return p.scope === 'admin' ? { all: true } : { all: false, tokenId: p.token?.id ?? null };
}

const notFound = (id: number) => new BootwatchError('route.not_found', `no subscription with id ${id}`);

export async function subscriptionRoutes(app: App): Promise<void> {
  const db = () => app.database.db;
  const config = { scope: 'submit' as const };

  app.get(
    '/api/subscriptions',
    {
      config,
      schema: {
        tags: ['alerts'],
        summary: "subscriptions this token owns (an admin's: all), newest first",
        response: { 200: Type.Array(Subscription), ...errors(503) },
      },
    },
    async (req) => listSubscriptions(db(), viewerOf(req)),
  );

  app.post(
    '/api/subscriptions',
    {
      config,
      schema: {
        tags: ['alerts'],
        summary: 'subscribe to alerts; a webhook signing secret is in this answer only',
        body: SubscriptionInput,
        response: { 201: CreatedSubscription, ...errors(400, 503) },
        callbacks: {
          alert: {
            '{$request.body#/target}': {
              post: {
                requestBody: {
                  description: WEBHOOK_HEADERS,
                  required: true,
                  content: { 'application/json': { schema: WebhookPayload } },
                },
                responses: {
                  '2XX': { description: 'taken' },
                  '4XX': { description: 'refused: retried with backoff, like a 5XX or no answer' },
                },
              },
            },
          },
        },
      },
    },
    async (req, reply) => {
      checkTarget(req.body.channel, req.body.target);
      return reply.status(201).send(await createSubscription(db(), req.body, submitterOf(req)));
    },
  );

  app.get(
    '/api/subscriptions/:id',
    {
      config,
      schema: {
        tags: ['alerts'],
        summary: 'one subscription (never its secret)',
        params: IdParams,
        response: { 200: Subscription, ...errors(400, 404, 503) },
      },
    },
    async (req) =>
      (await getSubscription(db(), req.params.id, viewerOf(req))) ?? Promise.reject(notFound(req.params.id)),
  );

  app.patch(
    '/api/subscriptions/:id',
    {
      config,
      schema: {
        tags: ['alerts'],
        summary: 'change what a subscription matches, where it goes (same channel) or pause it',
        params: IdParams,
        body: Type.Omit(SubscriptionPatch, ['channel']),
        response: { 200: Subscription, ...errors(400, 404, 503) },
      },
    },
    async (req) => {
      const viewer = viewerOf(req);
      const current = await getSubscription(db(), req.params.id, viewer);
      if (!current) throw notFound(req.params.id);
      if (req.body.target !== undefined) checkTarget(current.channel, req.body.target);
      return (
        (await updateSubscription(db(), req.params.id, req.body, viewer)) ??
        Promise.reject(notFound(req.params.id))
      );
    },
  );

  app.delete(
    '/api/subscriptions/:id',
    {
      config,
      schema: {
        tags: ['alerts'],
        summary: 'unsubscribe: the subscription, its queued alerts and its delivery history go',
        params: IdParams,
        response: { 204: Type.Null(), ...errors(400, 404, 503) },
      },
    },
    async (req, reply) => {
      if (!(await deleteSubscription(db(), req.params.id, viewerOf(req)))) throw notFound(req.params.id);
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/api/subscriptions/:id/deliveries',
    {
      config,
      schema: {
        tags: ['alerts'],
        summary: "a subscription's deliveries, newest first: their alerts and every attempt",
        params: IdParams,
        querystring: Type.Object({ limit: Type.Integer({ minimum: 1, maximum: 500, default: 50 }) }),
        response: { 200: Type.Array(Delivery), ...errors(400, 404, 503) },
      },
    },
    async (req) => {
      if (!(await getSubscription(db(), req.params.id, viewerOf(req)))) throw notFound(req.params.id);
      return listDeliveries(db(), req.params.id, req.query.limit, publicBaseUrl(req));
    },
  );
}
