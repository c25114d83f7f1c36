/** `bootwatch subscribe`: manages alert subscriptions over the collector's REST API, as BOOTWATCH_TOKEN. */
import { authHeaders } from '../../common/auth-headers.ts';
import { BootwatchError, type ErrorCode } from '../../common/errors.ts';
import { setting } from '../../common/settings.ts';
import type { CreatedSubscription, Delivery, Subscription } from '../../common/types/api.ts';
import { openEmbeddedCollector } from '../embedded-collector.ts';

export interface AddOptions {
  name: string;
  event: string[];
  channel: string;
  to: string;
  variant?: string[];
  matrix?: string[];
  arch?: string[];
  sizeOver?: number;
  collector?: string;
  json?: boolean;
}

/** Runs `work` against the collector the options name, or an embedded one on the local database. */
async function withCollector<T>(opts: { collector?: string }, work: (call: Call) => Promise<T>): Promise<T> {
  const given = opts.collector ?? setting('BOOTWATCH_COLLECTOR');
  const emb = given ? null : await openEmbeddedCollector();
  const base = (given ?? emb!.url).replace(/\/+$/, '');
  try {
    return await work((method, path, body) => request(base, method, path, body));
  } finally {
    await emb?.close();
  }
}

type Call = <T>(method: string, path: string, body?: unknown) => Promise<T>;

/** One JSON request; the collector's coded error becomes ours, with its exit code. */
async function request<T>(base: string, method: string, path: string, body?: unknown): Promise<T> {
  let res: Response;
  try {
    res = await fetch(`${base}${path}`, {
      method,
      headers: { ...authHeaders(), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      body: body !== undefined ? JSON.stringify(body) : undefined,
      signal: AbortSignal.timeout(30_000),
    });
  } catch (err) {
    throw new BootwatchError('collector.unreachable', `${base}: ${(err as Error).message}`);
  }
  const text = await res.text();
  if (!res.ok) {
    const e = (() => {
      try {
        return (JSON.parse(text) as { error?: { code: ErrorCode; message: string } }).error;
      } catch {
        return undefined;
      }
    })();
    throw new BootwatchError(
      e?.code ?? 'internal',
      e?.message ?? `HTTP ${res.status}: ${text.slice(0, 200)}`,
    );
  }
  return (text ? JSON.parse(text) : null) as T;
}

function idOf(id: string): number {
  const n = Number(id);
  if (!Number.isInteger(n) || n < 1)
    throw new BootwatchError('input.invalid', `not a subscription id: "${id}"`);
  return n;
}

const line = (s: Subscription) =>
  [
    `#${s.id}`,
    s.name,
    s.events.join(','),
    `${s.channel} ${s.target}`,
    s.variants.length ? `variants ${s.variants.join(',')}` : '',
    s.enabled ? '' : '(paused)',
    s.owner ? `by ${s.owner}` : '',
  ]
    .filter(Boolean)
    .join('  ');

export async function subscribeAdd(opts: AddOptions): Promise<void> {
  if (opts.sizeOver !== undefined && !(Number.isInteger(opts.sizeOver) && opts.sizeOver > 0))
    throw new BootwatchError('input.invalid', '--size-over takes a whole number of bytes');
  const made = await withCollector(opts, (call) =>
    call<CreatedSubscription>('POST', '/api/subscriptions', {
      name: opts.name,
      events: opts.event,
      channel: opts.channel,
      target: opts.to,
      variants: opts.variant ?? [],
      matrices: opts.matrix ?? [],
      arches: opts.arch ?? [],
      ...(opts.sizeOver !== undefined ? { sizeOver: opts.sizeOver } : {}),
    }),
  );
  if (opts.json) process.stdout.write(`${JSON.stringify(made)}\n`);
  else {
    process.stdout.write(`${line(made.subscription)}\n`);
    if (made.secret)
      process.stdout.write(
        `signing secret (shown once; X-Bootwatch-Signature is HMAC-SHA256 of "<timestamp>.<body>" with it):\n${made.secret}\n`,
      );
  }
}

export async function subscribeList(opts: { collector?: string; json?: boolean }): Promise<void> {
  const subs = await withCollector(opts, (call) => call<Subscription[]>('GET', '/api/subscriptions'));
  process.stdout.write(opts.json ? `${JSON.stringify(subs)}\n` : subs.map((s) => `${line(s)}\n`).join(''));
}

export async function subscribeRemove(id: string, opts: { collector?: string }): Promise<void> {
  const n = idOf(id);
  await withCollector(opts, (call) => call('DELETE', `/api/subscriptions/${n}`));
  process.stderr.write(`removed subscription #${n}\n`);
}

export async function subscribeDeliveries(
  id: string,
  opts: { collector?: string; json?: boolean },
): Promise<void> {
  const n = idOf(id);
  const list = await withCollector(opts, (call) =>
    call<Delivery[]>('GET', `/api/subscriptions/${n}/deliveries`),
  );
  if (opts.json) {
    process.stdout.write(`${JSON.stringify(list)}\n`);
    return;
  }
  for (const d of list) {
    process.stdout.write(
      `${d.messageId}  ${d.status}  ${d.attempts} attempt(s)  ${d.alerts.map((a) => a.title).join('; ')}\n`,
    );
    for (const h of d.history)
      process.stdout.write(
        `    #${h.attempt} ${h.at} ${h.ok ? 'ok' : 'failed'} ${h.code ?? ''} ${h.error ?? ''}\n`,
      );
  }
}
