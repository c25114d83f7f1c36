/**
 * Alert mails over SMTP (nodemailer): the text report as the body, threaded per issue or
 * regression — the first mail about one has a Message-ID made from the thread, and every
 * later one answers it with In-Reply-To and References — and a Message-ID per delivery that
 * stays the same across retries, so a receiver can drop a repeat.
 */
import { hostname } from 'node:os';
import nodemailer, { type Transporter } from 'nodemailer';
import { setting } from '../../../common/settings.ts';
import { type Message, stableId } from '../message.ts';
import type { AttemptOutcome } from '../outbox.ts';

/** Give up on one SMTP conversation after this long (the outbox retries). */
const SMTP_TIMEOUT_MS = 20_000;

let cached: { key: string; transport: Transporter } | null = null;

/** The transport the settings describe (null when no SMTP host is set); reused while they stay the same. */
function transport(): Transporter | null {
  const host = setting('BOOTWATCH_SMTP_HOST');
  if (!host) return null;
  const tls = setting('BOOTWATCH_SMTP_TLS') ?? 'starttls';
  const port = setting('BOOTWATCH_SMTP_PORT') || (tls === 'tls' ? 465 : 587);
  const user = setting('BOOTWATCH_SMTP_USER');
  const key = JSON.stringify([host, port, tls, user, setting('BOOTWATCH_SMTP_PASSWORD')]);
  if (cached?.key !== key) {
    cached?.transport.close();
    cached = {
      key,
      transport: nodemailer.createTransport({
        host,
        port,
        secure: tls === 'tls',
        requireTLS: tls === 'starttls',
        ignoreTLS: tls === 'off',
        auth: user ? { user, pass: setting('BOOTWATCH_SMTP_PASSWORD') ?? '' } : undefined,
        connectionTimeout: SMTP_TIMEOUT_MS,
        greetingTimeout: SMTP_TIMEOUT_MS,
        socketTimeout: SMTP_TIMEOUT_MS,
      }),
    };
  }
  return cached.transport;
}

/** The From address: BOOTWATCH_SMTP_FROM, else bootwatch@ this host. */
function fromAddress(): string {
  return setting('BOOTWATCH_SMTP_FROM') ?? `bootwatch@${hostname()}`;
}

/** `<thread.sN@domain>`: the id of a thread's first mail to one subscription. */
function threadId(thread: string, subscriptionId: number, domain: string): string {
  return `<bootwatch.${thread}.s${subscriptionId}@${domain}>`;
}

/** The headers that identify and thread a delivery's mail. */
function mailIds(msg: Message, deliveryId: number, subscriptionId: number, from: string) {
  const domain = /@([^>\s]+)>?$/.exec(from)?.[1] ?? 'bootwatch.invalid';
  const root = msg.thread ? threadId(msg.thread, subscriptionId, domain) : null;
  if (root && msg.opensThread) return { messageId: root, inReplyTo: undefined, references: undefined };
  return {
    messageId: `<bootwatch.delivery-${deliveryId}@${domain}>`,
    inReplyTo: root ?? undefined,
    references: root ?? undefined,
  };
}

/** Sends the delivery's mail to `to` (comma-separated addresses). */
export async function sendMail(
  to: string,
  msg: Message,
  deliveryId: number,
  subscriptionId: number,
): Promise<AttemptOutcome> {
  const t0 = performance.now();
  const smtp = transport();
  if (!smtp)
    return {
      ok: false,
      code: null,
      response: null,
      error: 'no SMTP server: set BOOTWATCH_SMTP_HOST',
      durationMs: 0,
    };
  const from = fromAddress();
  const ids = mailIds(msg, deliveryId, subscriptionId, from);
  try {
    const info = await smtp.sendMail({
      from,
      to,
      subject: msg.subject,
      text: msg.text,
      ...ids,
      headers: { 'X-Bootwatch-Delivery': stableId(deliveryId), 'Auto-Submitted': 'auto-generated' },
    });
    const response = info.response ?? '';
    const code = Number(/^(\d{3})/.exec(response)?.[1] ?? 250);
    return { ok: true, code, response, error: null, durationMs: performance.now() - t0 };
  } catch (err) {
    const e = err as Error & { responseCode?: number; response?: string };
    return {
      ok: false,
      code: e.responseCode ?? null,
      response: e.response ?? null,
      error: e.message,
      durationMs: performance.now() - t0,
    };
  }
}
