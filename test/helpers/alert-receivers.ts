/** Real receivers on 127.0.0.1 for alert tests: an HTTP endpoint that records requests, an SMTP server that keeps mails. */
import { createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

export interface Received {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** Resolves once `check()` holds, polling; fails after `ms` with `what`. */
export async function until<T>(
  what: string,
  check: () => T | Promise<T>,
  ms = 30_000,
): Promise<NonNullable<T>> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v) return v as NonNullable<T>;
    if (Date.now() > end) throw new Error(`still waiting for ${what} after ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** What a receiver does with X-Bootwatch-Signature: recompute it over `timestamp.body`. */
export function signatureHolds(r: Received, secret: string): boolean {
  const ts = String(r.headers['x-bootwatch-timestamp']);
  const want = `sha256=${createHmac('sha256', secret).update(`${ts}.${r.body}`).digest('hex')}`;
  return r.headers['x-bootwatch-signature'] === want;
}

/**
 * An HTTP receiver; `answer` picks each request's status (default 200), or `hold` to read the
 * whole request and never answer (a receiver that is slow when its sender dies).
 */
export async function startHttpReceiver(answer: (r: Received, n: number) => number | 'hold' = () => 200) {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      const r = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, body };
      received.push(r);
      const status = answer(r, received.length);
      if (status === 'hold') return;
      res.statusCode = status;
      res.end(res.statusCode < 300 ? 'ok' : 'try again');
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    close: () =>
      new Promise<void>((done) => {
        server.close(() => done());
        server.closeAllConnections();
      }),
  };
}

export interface Mail {
  from: string;
  to: string[];
  headers: Map<string, string>;
  /** The text body, decoded. */
  text: string;
  /** When the server had all of it (ms since the epoch). */
  receivedAt: number;
  /** Whether the server answered 250 for it (false while held, or when the sender went away first). */
  accepted: boolean;
}

/** Headers of a raw message, unfolded, by lower-case name. */
function parseMail(raw: string): { headers: Map<string, string>; body: string } {
  const split = raw.indexOf('\r\n\r\n');
  const head = raw.slice(0, split).replace(/\r\n[ \t]+/g, ' ');
  const headers = new Map<string, string>();
  for (const line of head.split('\r\n')) {
    const i = line.indexOf(':');
    headers.set(line.slice(0, i).toLowerCase(), line.slice(i + 1).trim());
  }
  return { headers, body: raw.slice(split + 4) };
}

/** Decodes a text body by its Content-Transfer-Encoding. */
function decode(body: string, encoding: string | undefined): string {
  if (encoding === 'base64') return Buffer.from(body, 'base64').toString('utf8');
  if (encoding !== 'quoted-printable') return body;
  const bytes = body.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/gi, (_, h) => `%${h}`);
  return decodeURIComponent(bytes.replace(/%(?![0-9A-F]{2})/gi, '%25'));
}

/**
 * An SMTP server without TLS or login on 127.0.0.1 that keeps every mail it is sent; `hold`
 * picks mails whose DATA it never answers (the sender waits for its 250).
 */
export async function startSmtpReceiver(hold: (m: Mail, n: number) => boolean = () => false) {
  const mails: Mail[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    closeTimeout: 100,
    onData(stream, session, done) {
      let raw = '';
      stream.setEncoding('utf8');
      stream.on('data', (d: string) => (raw += d));
      stream.on('end', () => {
        const { headers, body } = parseMail(raw);
        const mail: Mail = {
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          headers,
          text: decode(body, headers.get('content-transfer-encoding')).replace(/\r\n/g, '\n'),
          receivedAt: Date.now(),
          accepted: false,
        };
        mails.push(mail);
        if (hold(mail, mails.length)) return;
        mail.accepted = true;
        done();
      });
    },
  });
  // A sender killed mid-conversation resets the connection: not the test's failure.
  server.on('error', () => {});
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.server.address() as AddressInfo;
  return { port, mails, close: () => new Promise<void>((done) => server.close(() => done())) };
}

export type HttpReceiver = Awaited<ReturnType<typeof startHttpReceiver>>;
export type SmtpReceiver = Awaited<ReturnType<typeof startSmtpReceiver>>;

/** The environment that points a `serve` process's alert mails at `smtp`, in plain SMTP. */
export function smtpEnv(smtp: SmtpReceiver): Record<string, string> {
  return {
    BOOTWATCH_SMTP_HOST: '127.0.0.1',
    BOOTWATCH_SMTP_PORT: String(smtp.port),
    BOOTWATCH_SMTP_TLS: 'off',
    BOOTWATCH_SMTP_FROM: 'bootwatch@lab.example.org',
  };
}
