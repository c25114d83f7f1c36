/**
 * Alerts over HTTP: a generic JSON body (WebhookPayload), or a Slack incoming-webhook or
 * Matrix m.room.message body. Every request is signed: X-Bootwatch-Signature is
 * `sha256=` + HMAC-SHA256(secret, `<X-Bootwatch-Timestamp>.<body>`), and X-Bootwatch-Delivery
 * carries the delivery's stable id (a Matrix send URL gets it as the transaction id, which
 * makes a repeat a no-op there).
 */
import { createHmac } from 'node:crypto';
import type { WebhookPayload } from '../../../common/schemas/subscriptions.ts';
import type { Message } from '../message.ts';
import type { AttemptOutcome, SubscriptionRow } from '../outbox.ts';

/** A receiver gets this long to answer (the outbox retries). */
const HTTP_TIMEOUT_MS = 15_000;
/** Slack cuts a section's text at 3000 characters. */
const SLACK_SECTION_MAX = 2900;

/** `sha256=<hex>` over `timestamp.body`: what a receiver recomputes with the secret it was shown. */
function signature(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

const escapeHtml = (s: string) =>
  s.replace(/[&<>"]/g, (c) => `&${{ '&': 'amp', '<': 'lt', '>': 'gt', '"': 'quot' }[c]};`);

/** The request body for the subscription's channel. */
function bodyFor(sub: SubscriptionRow, stableId: string, msg: Message): unknown {
  const links = msg.items.flatMap((a) => (a.url ? [a.url] : []));
  if (sub.channel === 'slack') {
    const report =
      msg.text.length > SLACK_SECTION_MAX ? `${msg.text.slice(0, SLACK_SECTION_MAX)}\n...` : msg.text;
    return {
      text: [msg.subject, ...links].join('\n'),
      blocks: [
        { type: 'header', text: { type: 'plain_text', text: msg.subject.slice(0, 150) } },
        { type: 'section', text: { type: 'mrkdwn', text: `\`\`\`${report}\`\`\`` } },
        ...(links.length
          ? [
              {
                type: 'context',
                elements: links.slice(0, 10).map((u) => ({ type: 'mrkdwn', text: `<${u}>` })),
              },
            ]
          : []),
      ],
    };
  }
  if (sub.channel === 'matrix')
    return {
      msgtype: 'm.text',
      body: `${msg.subject}\n\n${msg.text}`,
      format: 'org.matrix.custom.html',
      formatted_body: `<p><strong>${escapeHtml(msg.subject)}</strong></p>${links
        .map((u) => `<p><a href="${escapeHtml(u)}">${escapeHtml(u)}</a></p>`)
        .join('')}<pre><code>${escapeHtml(msg.text)}</code></pre>`,
    };
  const payload: WebhookPayload = {
    id: stableId,
    subscription: { id: sub.id, name: sub.name },
    digest: msg.items.length > 1,
    alerts: msg.items,
    text: msg.text,
  };
  return payload;
}

/** A Matrix client-server send URL takes the transaction id as its last segment, with PUT. */
function requestFor(sub: SubscriptionRow, stableId: string): { method: string; url: string } {
  if (sub.channel === 'matrix') {
    const u = new URL(sub.target);
    if (/\/send\/m\.room\.message\/?$/.test(u.pathname)) {
      u.pathname = `${u.pathname.replace(/\/$/, '')}/${encodeURIComponent(stableId)}`;
      return { method: 'PUT', url: u.toString() };
    }
  }
  return { method: 'POST', url: sub.target };
}

/** Sends one delivery to the subscription's URL; 2xx is success, anything else is retried. */
export async function sendHttp(
  sub: SubscriptionRow,
  stableId: string,
  msg: Message,
): Promise<AttemptOutcome> {
  const t0 = performance.now();
  const body = JSON.stringify(bodyFor(sub, stableId, msg));
  const timestamp = String(Math.floor(Date.now() / 1000));
  const { method, url } = requestFor(sub, stableId);
  try {
    const res = await fetch(url, {
      method,
      headers: {
        'content-type': 'application/json',
        'user-agent': 'bootwatch-alerts',
        'x-bootwatch-delivery': stableId,
        'x-bootwatch-timestamp': timestamp,
        ...(sub.secret ? { 'x-bootwatch-signature': signature(sub.secret, timestamp, body) } : {}),
      },
      body,
      // A redirect would carry the signed body somewhere the subscriber never named.
      redirect: 'manual',
      signal: AbortSignal.timeout(HTTP_TIMEOUT_MS),
    });
    const text = await res.text().catch(() => '');
    return {
      ok: res.status >= 200 && res.status < 300,
      code: res.status,
      response: text.slice(0, 500) || null,
      error: res.ok ? null : `HTTP ${res.status}`,
      durationMs: performance.now() - t0,
    };
  } catch (err) {
    const e = err as Error & { cause?: Error };
    return {
      ok: false,
      code: null,
      response: null,
      error: e.cause?.message ?? e.message,
      durationMs: performance.now() - t0,
    };
  }
}
