/**
 * PostgreSQL going away never kills the collector: a real `serve` process on a real server
 * stopped (fast, and immediate as in a crash) mid-import and under 50 streaming runners. It
 * answers 503 meanwhile, acks nothing it did not store, and once the server is back it is
 * the same process, healthy, and everything re-sent is stored once with identical bytes.
 */
import { request } from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { parseLog } from '../../../collector/parser/index.ts';
import { fixtureBytes } from '../../helpers/fixtures.ts';
import { largeLog } from '../../helpers/large-log.ts';
import { findPostgresBin, type StopMode, startPostgres, type TestPostgres } from '../../helpers/postgres.ts';
import { type ServeProcess, startServe } from '../../helpers/serve-process.ts';

const CLIENTS = 50;
const CHUNK = 4096;

/** A runner's console stream: resumes from the collector's ack after every reconnect. */
class StreamClient {
  /** Bytes the client may send so far (the test opens the gate). */
  limit: number;
  acked = 0;
  failures = 0;
  /** Every ack offset received, with whether the database was away at the time. */
  readonly acks: { offset: number; away: boolean }[] = [];
  outcome: string | null = null;
  private sent = 0;
  private ws: WebSocket | null = null;
  private backoff = 50;
  private stopped = false;
  private waiters: (() => void)[] = [];

  constructor(
    private readonly base: string,
    readonly bootId: number,
    readonly bytes: Buffer,
    private readonly dbAway: () => boolean,
  ) {
    this.limit = bytes.length;
  }

  start(): void {
    if (this.stopped) return;
    const ws = new WebSocket(`${this.base.replace(/^http/, 'ws')}/api/boots/${this.bootId}/console/ws`);
    this.ws = ws;
    let ready = false;
    ws.on('message', (data) => {
      const m = JSON.parse(String(data));
      if (m.type === 'ack') {
        this.acks.push({ offset: m.offset, away: this.dbAway() });
        if (!ready) this.sent = m.offset; // resume exactly where the collector stands
        ready = true;
        this.acked = m.offset;
        this.backoff = 50;
        this.pump();
      } else if (m.type === 'finished') {
        this.outcome = m.outcome;
        this.stopped = true;
        ws.close();
      } else if (m.type === 'error') {
        this.failures++;
        ws.close();
      }
      this.wake();
    });
    ws.on('error', () => {});
    ws.on('close', () => {
      if (this.ws === ws) this.ws = null;
      if (this.stopped) return;
      this.failures++;
      this.wake();
      setTimeout(() => this.start(), this.backoff);
      this.backoff = Math.min(this.backoff * 2, 400);
    });
    this.pumpWhenOpen = () => ready && this.pump();
  }

  private pumpWhenOpen: () => void = () => {};

  /** Opens the gate up to `limit` bytes. */
  allow(limit: number): void {
    this.limit = limit;
    this.pumpWhenOpen();
  }

  private pump(): void {
    const ws = this.ws;
    if (!ws || ws.readyState !== WebSocket.OPEN) return;
    while (this.sent < Math.min(this.limit, this.bytes.length) && this.sent - this.acked < 16 * CHUNK) {
      const data = this.bytes.subarray(this.sent, Math.min(this.sent + CHUNK, this.limit));
      ws.send(JSON.stringify({ type: 'chunk', offset: this.sent, data: data.toString('base64') }));
      this.sent += data.length;
    }
    if (this.acked === this.bytes.length && this.sent === this.bytes.length)
      ws.send(
        JSON.stringify({
          type: 'finish',
          finish: { endReason: 'shutdown', consoleBytes: this.bytes.length },
        }),
      );
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  /** Resolves once `cond` holds (checked on every message and close). */
  until(cond: () => boolean): Promise<void> {
    return new Promise((resolve) => {
      const check = () => (cond() ? resolve() : this.waiters.push(check));
      check();
    });
  }

  stop(): void {
    this.stopped = true;
    this.ws?.terminate();
  }
}

function post(url: string, body: Buffer, key: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: 'POST', headers: { 'content-type': 'application/octet-stream', 'idempotency-key': key } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

async function getJson<T>(url: string): Promise<T> {
  const res = await fetch(url);
  expect(res.status).toBe(200);
  return (await res.json()) as T;
}

/** Every stored console line of a boot, checked to be numbered 1..n with none twice. */
async function storedLines(base: string, id: number): Promise<string[]> {
  const out: string[] = [];
  for (let from = 1; ; ) {
    const page = await getJson<{ lines: { line: number; text: string }[]; next: number | null }>(
      `${base}/api/boots/${id}/console?from=${from}&limit=10000`,
    );
    for (const l of page.lines) {
      if (l.line !== out.length + 1) throw new Error(`boot ${id}: line ${l.line} after ${out.length}`);
      out.push(l.text);
    }
    if (page.next == null) return out;
    from = page.next;
  }
}

async function raw(base: string, id: number): Promise<Buffer> {
  return Buffer.from(await (await fetch(`${base}/api/boots/${id}/console.raw`)).arrayBuffer());
}

/** Resolves once GET /api/health answers 200 (the pool reconnects on its own). */
async function healthy(base: string, deadline: number): Promise<void> {
  for (;;) {
    const res = await fetch(`${base}/api/health`).catch(() => null);
    if (res?.status === 200) return;
    if (Date.now() > deadline) throw new Error(`health still ${res?.status} at the deadline`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const available = findPostgresBin() !== null;
if (!available && process.env.CI)
  throw new Error('CI needs PostgreSQL for the fault tests: install postgresql');

describe.runIf(available)('PostgreSQL going away under a real collector', () => {
  let pg: TestPostgres;
  let serve: ServeProcess | null = null;
  let clients: StreamClient[] = [];
  beforeAll(async () => {
    pg = await startPostgres();
  });
  afterAll(() => pg?.dispose());
  afterEach(async () => {
    for (const c of clients) c.stop();
    clients = [];
    pg.start();
    serve?.child.kill('SIGKILL');
    await serve?.exited;
    serve = null;
  });

  it.each(['fast', 'immediate'] as StopMode[])(
    'survives pg_ctl stop -m %s mid-import and under 50 streams, and recovers by itself',
    { timeout: 90_000 },
    async (mode) => {
      const url = await pg.createDatabase();
      serve = await startServe({
        DATABASE_URL: url,
        BOOTWATCH_RATE_LIMIT: '0',
        BOOTWATCH_MAX_SOCKETS: '10000',
      });
      const base = serve.url;
      const pid = serve.child.pid;
      let away = false;

      // 50 runners stream half their console and wait at the gate.
      const logs = ['logs/02-initrd-no-binfmt.log', 'logs/03-exec-no-net.log', 'logs/05-net-e1000.log'];
      for (let i = 0; i < CLIENTS; i++) {
        const res = await fetch(`${base}/api/boots`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ target: 'qemu', variant: `v${i % 5}`, idempotencyKey: `${mode}-${i}` }),
        });
        expect(res.status).toBe(201);
        const bytes = fixtureBytes(logs[i % logs.length]);
        const c = new StreamClient(base, ((await res.json()) as { id: number }).id, bytes, () => away);
        c.limit = bytes.length >> 1;
        clients.push(c);
        c.start();
      }
      await Promise.all(clients.map((c) => c.until(() => c.acked === c.limit)));

      // A large import under way when the database goes.
      const feed = new WebSocket(`${base.replace(/^http/, 'ws')}/api/feed`);
      const importStarted = new Promise<number>((resolve) =>
        feed.on('message', (d) => {
          const m = JSON.parse(String(d));
          if (m.type === 'boot' && m.state === 'started') resolve(m.bootId);
        }),
      );
      await new Promise((r) => feed.once('open', r));
      const log = largeLog(6 << 20);
      const key = `import-${mode}`;
      const firstTry = post(`${base}/api/logs`, log, key);
      const importId = await importStarted;
      feed.terminate();

      pg.stop(mode);
      away = true;
      const failedBefore = clients.map((c) => c.failures);
      for (const c of clients) c.allow(c.bytes.length);
      const cut = await firstTry;
      expect({ status: cut.status, body: JSON.parse(cut.body) }).toEqual({
        status: 503,
        body: { error: { code: 'db.unavailable', message: expect.any(String) } },
      });
      // Every stream has run into the outage at least once.
      await Promise.all(clients.map((c, i) => c.until(() => c.failures > failedBefore[i])));
      const health = await fetch(`${base}/api/health`);
      expect(health.status).toBe(503);
      expect(((await health.json()) as { error: { code: string } }).error.code).toBe('db.unavailable');
      const list = await fetch(`${base}/api/boots`);
      expect(list.status).toBe(503);

      pg.start();
      away = false;
      await healthy(base, Date.now() + 30_000);
      expect(serve.child.exitCode).toBeNull();
      expect(serve.child.pid).toBe(pid);

      const retry = await post(`${base}/api/logs`, log, key);
      expect(retry.status).toBe(200);
      expect(JSON.parse(retry.body).id).toBe(importId);
      await Promise.all(clients.map((c) => c.until(() => c.outcome !== null)));

      // Nothing was acked while the database was away beyond what it held before.
      for (const c of clients) {
        const half = c.bytes.length >> 1;
        expect(Math.max(...c.acks.filter((a) => a.away).map((a) => a.offset), half)).toBe(half);
      }
      // Stored once, byte for byte, no line twice; the same lines a clean import stores.
      for (const c of clients) {
        expect((await raw(base, c.bootId)).equals(c.bytes)).toBe(true);
        const lines = await storedLines(base, c.bootId);
        const clean = c.bytes.toString('latin1').split('\n').length - (c.bytes.at(-1) === 0x0a ? 1 : 0);
        expect({ id: c.bootId, lines: lines.length }).toEqual({ id: c.bootId, lines: clean });
      }
      expect((await raw(base, importId)).equals(log)).toBe(true);
      const imported = await getJson<{ state: string; consoleLines: number; events: unknown[] }>(
        `${base}/api/boots/${importId}`,
      );
      expect(imported.state).toBe('finished');
      // What reading the whole log in one go finds: no line lost or doubled by the resume.
      const reference = parseLog(log);
      expect(imported.consoleLines).toBe(reference.stats.lines);
      expect(imported.events).toEqual(JSON.parse(JSON.stringify(reference.events)));
      expect((await storedLines(base, importId)).length).toBe(reference.stats.lines);
      expect(serve.child.exitCode).toBeNull();
      expect(serve.stderr()).not.toMatch(/uncaught|unhandled/i);
    },
  );
});
