/**
 * The live feed across collectors on one PostgreSQL: every message published in one process
 * is sent with NOTIFY and delivered to the feed clients of all the others, so several `serve`
 * processes behind one address show the same live pages. A NOTIFY payload holds at most
 * 8000 bytes: larger messages travel in numbered parts and are put together on arrival
 * (notifications from one session arrive in the order sent). Own messages are skipped:
 * they were delivered here already.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { FeedMessage } from '../../common/types/ingest.ts';
import type { FeedHub } from '../ingest/feed-hub.ts';

const CHANNEL = 'bootwatch_feed';
/** UTF-16 units per part: at most 3 UTF-8 bytes each, so a part and its header stay under 8000 bytes. */
const PART = 2500;
/** Messages waiting to be sent; past this a stalled database drops the oldest (the feed is live, not a log). */
const MAX_PENDING = 20_000;
/** Parts sent in one round trip. */
const BATCH = 200;

/** Splits `json` into parts, never between the two halves of a surrogate pair. */
function parts(json: string): string[] {
  const out: string[] = [];
  for (let at = 0; at < json.length; ) {
    let end = Math.min(json.length, at + PART);
    const last = json.charCodeAt(end - 1);
    if (end < json.length && last >= 0xd800 && last <= 0xdbff) end--;
    out.push(json.slice(at, end));
    at = end;
  }
  return out;
}

export class FeedRelay {
  /** Tells this process's notifications from the others'. */
  private readonly origin = randomBytes(6).toString('hex');
  private seq = 0;
  private pending: string[] = [];
  private sending = false;
  private closed = false;
  private listener: pg.Client | null = null;
  private readonly partial = new Map<string, string[]>();
  private retryMs = 250;
  /** Messages dropped while the database was away. */
  dropped = 0;

  private constructor(
    private readonly url: string,
    private readonly hub: FeedHub,
    private readonly sender: pg.Pool,
  ) {}

  /** Listens for the other collectors' messages and relays this one's. */
  static async start(url: string, hub: FeedHub): Promise<FeedRelay> {
    const sender = new pg.Pool({ connectionString: url, max: 1, connectionTimeoutMillis: 5000 });
    sender.on('error', () => {});
    const relay = new FeedRelay(url, hub, sender);
    await relay.listen();
    hub.relayTo((json) => relay.send(json));
    return relay;
  }

  private async listen(): Promise<void> {
    const client = new pg.Client({ connectionString: this.url, connectionTimeoutMillis: 5000 });
    const reconnect = () => {
      if (this.listener !== client) return;
      this.listener = null;
      client.end().catch(() => {});
      if (this.closed) return;
      // The database away: try again with backoff; messages published meanwhile elsewhere are missed.
      setTimeout(() => this.listen().catch(reconnect), this.retryMs).unref();
      this.retryMs = Math.min(this.retryMs * 2, 5000);
    };
    this.listener = client;
    client.on('error', reconnect);
    client.on('end', reconnect);
    client.on('notification', (n) => this.receive(n.payload ?? ''));
    await client.connect();
    await client.query(`LISTEN ${CHANNEL}`);
    this.retryMs = 250;
  }

  /** `origin seq index count part` */
  private receive(payload: string): void {
    const m = /^(\w+) (\d+) (\d+) (\d+) /.exec(payload);
    if (!m || m[1] === this.origin) return;
    const [head, origin, seq, index, count] = m;
    const body = payload.slice(head.length);
    let json = body;
    if (count !== '1') {
      const key = `${origin}:${seq}`;
      // Parts of messages a dead collector never finished must not pile up.
      if (this.partial.size > 1000) this.partial.clear();
      const got = this.partial.get(key) ?? [];
      got[Number(index)] = body;
      this.partial.set(key, got);
      if (got.filter((x) => x !== undefined).length < Number(count)) return;
      this.partial.delete(key);
      json = got.join('');
    }
    try {
      this.hub.deliver(JSON.parse(json) as FeedMessage, json);
    } catch {
      // A message cut by a reconnect cannot be put together: the next ones can.
    }
  }

  private send(json: string): void {
    if (this.closed) return;
    const seq = this.seq++;
    const ps = parts(json);
    for (const [i, p] of ps.entries()) this.pending.push(`${this.origin} ${seq} ${i} ${ps.length} ${p}`);
    if (this.pending.length > MAX_PENDING) {
      this.dropped += this.pending.length - MAX_PENDING;
      this.pending.splice(0, this.pending.length - MAX_PENDING);
    }
    if (!this.sending) void this.flush();
  }

  /** Sends what is pending in order, a batch per round trip, on one connection. */
  private async flush(): Promise<void> {
    this.sending = true;
    try {
      while (this.pending.length && !this.closed) {
        const batch = this.pending.slice(0, BATCH);
        try {
          await this.sender.query(
            `SELECT pg_notify('${CHANNEL}', p) FROM unnest($1::text[]) WITH ORDINALITY AS t(p, i) ORDER BY i`,
            [batch],
          );
          this.pending.splice(0, batch.length);
        } catch {
          if (this.closed) return;
          await new Promise((r) => setTimeout(r, 500));
        }
      }
    } finally {
      this.sending = false;
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    this.hub.relayTo(null);
    const l = this.listener;
    this.listener = null;
    await l?.end().catch(() => {});
    await this.sender.end().catch(() => {});
  }
}
