/**
 * Talks to the collector: builds and progress over REST, console streams over the ingest
 * WebSocket with resume-from-ack. Everything goes through the disk spool first, so when
 * the collector is away the run goes on and a later flush re-sends exactly what is missing.
 */
import { randomUUID } from 'node:crypto';
import WebSocket from 'ws';
import type {
  BootFinishInput,
  BootInput,
  BootOutcome,
  BuildInput,
  IngestServerMessage,
} from '../common/types/ingest.ts';
import { Spool, type SpoolItem } from './spool.ts';

const CHUNK = 64 * 1024;

export interface Delivery {
  delivered: boolean;
  bootId: number | null;
  outcome: BootOutcome | null;
  error: string | null;
}

export interface ProgressInput {
  variant: string;
  buildId?: number | null;
  phase: string;
  percent?: number;
  message?: string;
}

/** A collector at `baseUrl`, with the spool that covers for it. */
export class CollectorClient {
  readonly baseUrl: string;
  private lastProgress = new Map<string, number>();

  constructor(
    baseUrl: string,
    readonly spool = new Spool(),
    readonly timeoutMs = 5000,
  ) {
    this.baseUrl = baseUrl.replace(/\/+$/, '');
  }

  /** JSON request; throws on network errors and non-2xx answers. */
  async request<T>(
    method: string,
    path: string,
    body?: unknown,
    raw?: Uint8Array,
    timeoutMs = this.timeoutMs,
  ): Promise<T> {
    const res = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: raw
        ? { 'content-type': 'application/octet-stream' }
        : body !== undefined
          ? { 'content-type': 'application/json' }
          : {},
      body: raw
        ? new Blob([raw as Uint8Array<ArrayBuffer>])
        : body !== undefined
          ? JSON.stringify(body)
          : undefined,
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${path}: HTTP ${res.status} ${text.slice(0, 300)}`);
    return (text ? JSON.parse(text) : {}) as T;
  }

  async health(): Promise<boolean> {
    try {
      await this.request('GET', '/api/health');
      return true;
    } catch {
      return false;
    }
  }

  /** Stores a build (spooled first); `id` is null while the collector is away. */
  async postBuild(input: BuildInput): Promise<{ id: number | null; key: string }> {
    const key = `build-${Date.now()}-${randomUUID().slice(0, 8)}`;
    const item = this.spool.item(key);
    item.write({ kind: 'build', key, createdAt: new Date().toISOString(), input });
    const id = await this.sendBuild(item).catch(() => null);
    return { id, key };
  }

  private async sendBuild(item: SpoolItem): Promise<number> {
    const e = item.read();
    if (e.kind !== 'build') throw new Error('not a build');
    // Builds carry System.map and every symbol: give the database time to store them.
    const { id } = await this.request<{ id: number }>(
      'POST',
      '/api/builds',
      e.input,
      undefined,
      Math.max(this.timeoutMs, 60_000),
    );
    this.spool.rememberBuildId(e.key, id);
    item.remove();
    return id;
  }

  /** Live build progress: best effort, at most ~4 per second per variant, never spooled. */
  progress(p: ProgressInput): void {
    const now = Date.now();
    const final = p.phase === 'done' || p.phase === 'failed';
    if (!final && now - (this.lastProgress.get(p.variant) ?? 0) < 250) return;
    this.lastProgress.set(p.variant, now);
    this.request('POST', '/api/builds/progress', p).catch(() => {});
  }

  /** Starts a boot's console stream; bytes are spooled and streamed as they come. */
  openBoot(input: BootInput, buildKey: string | null = null): BootUplink {
    const key = `boot-${Date.now()}-${randomUUID().slice(0, 8)}`;
    const item = this.spool.item(key);
    item.write({
      kind: 'boot',
      key,
      createdAt: new Date().toISOString(),
      input: { ...input, idempotencyKey: input.idempotencyKey ?? key },
      buildKey,
      bootId: null,
    });
    const up = new BootUplink(this, item, process.pid);
    up.start();
    return up;
  }

  /** Re-sends everything in the spool; returns how many entries were delivered and left. */
  async flush(): Promise<{ delivered: number; left: number; errors: string[] }> {
    let delivered = 0;
    const errors: string[] = [];
    const items = this.spool.pending();
    for (const item of items) {
      try {
        const e = item.read();
        if (e.kind === 'build') {
          await this.sendBuild(item);
          delivered++;
          continue;
        }
        if (!item.finish()) {
          const owner = Number((e as { pid?: number }).pid ?? 0);
          if (owner && owner !== process.pid && isAlive(owner)) continue; // a live run is still writing it
          item.setFinish({
            endReason: 'harness_error',
            status: 'ERROR',
            harnessError: 'the runner died before the boot finished',
            consoleBytes: item.consoleSize(),
          });
        }
        const up = new BootUplink(this, item, process.pid);
        up.start();
        const d = await up.finish(null, 15_000);
        if (d.delivered) delivered++;
        else if (d.error) errors.push(`${e.key}: ${d.error}`);
      } catch (err) {
        errors.push(`${item.key}: ${(err as Error).message}`);
      }
    }
    return { delivered, left: this.spool.pending().length, errors };
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * One boot's console on its way to the collector. The spool file is the truth; the socket
 * resends from the collector's ack after every reconnect, so nothing is lost or doubled.
 */
export class BootUplink {
  bootId: number | null = null;
  private ws: WebSocket | null = null;
  /** Bytes the collector has confirmed. */
  acked = 0;
  private sent = 0;
  private ready = false;
  private stopped = false;
  private backoff = 100;
  private retry: NodeJS.Timeout | null = null;
  private waiters: (() => void)[] = [];
  private finished: { outcome: BootOutcome } | null = null;
  /** The collector refused our finish message: go to REST at once instead of waiting. */
  private finishRefused = false;
  private finishSent = false;
  lastError: string | null = null;

  constructor(
    private readonly client: CollectorClient,
    readonly item: SpoolItem,
    pid: number,
  ) {
    const e = item.read();
    if (e.kind === 'boot') {
      this.bootId = e.bootId ?? null;
      item.write({ ...e, pid } as typeof e);
    }
  }

  start(): void {
    void this.connect();
  }

  /** Appends console bytes (to disk first) and streams them when connected. */
  write(bytes: Uint8Array): void {
    this.item.appendConsole(bytes);
    this.pump();
  }

  private async ensureBoot(): Promise<number> {
    if (this.bootId != null) return this.bootId;
    const e = this.item.read();
    if (e.kind !== 'boot') throw new Error('not a boot');
    let buildId = e.input.buildId ?? null;
    if (buildId == null && e.buildKey) {
      buildId = this.client.spool.buildId(e.buildKey);
      if (buildId == null) throw new Error(`its build ${e.buildKey} is not at the collector yet`);
    }
    const { id } = await this.client.request<{ id: number }>('POST', '/api/boots', { ...e.input, buildId });
    this.bootId = id;
    this.item.write({ ...e, input: { ...e.input, buildId }, bootId: id });
    return id;
  }

  private async connect(): Promise<void> {
    if (this.stopped || this.ws) return;
    try {
      const id = await this.ensureBoot();
      const url = `${this.client.baseUrl.replace(/^http/, 'ws')}/api/boots/${id}/console/ws`;
      const ws = new WebSocket(url, { handshakeTimeout: 5000 });
      this.ws = ws;
      this.ready = false;
      ws.on('message', (data) => this.onMessage(JSON.parse(data.toString()) as IngestServerMessage));
      ws.on('close', () => {
        this.ws = null;
        this.ready = false;
        this.wake();
        this.scheduleReconnect();
      });
      ws.on('error', (err) => {
        this.lastError = err.message;
      });
    } catch (err) {
      this.lastError = (err as Error).message;
      this.scheduleReconnect();
    }
  }

  private scheduleReconnect(): void {
    if (this.stopped || this.retry) return;
    this.retry = setTimeout(() => {
      this.retry = null;
      void this.connect();
    }, this.backoff);
    this.backoff = Math.min(this.backoff * 2, 3000);
  }

  private onMessage(m: IngestServerMessage): void {
    if (m.type === 'ack') {
      if (!this.ready) this.sent = m.offset; // resume exactly where the collector stands
      this.ready = true;
      this.backoff = 100;
      this.acked = m.offset;
      this.pump();
    } else if (m.type === 'finished') {
      this.finished = { outcome: m.outcome };
    } else if (m.type === 'error') {
      this.lastError = `${m.code}: ${m.message}`;
      if (this.finishSent) this.finishRefused = true;
      this.ws?.close(); // a fresh connection starts from the collector's ack
    }
    this.wake();
  }

  private pump(): void {
    const ws = this.ws;
    if (!ws || !this.ready || ws.readyState !== WebSocket.OPEN) return;
    const size = this.item.consoleSize();
    while (this.sent < size && ws.bufferedAmount < 4 * CHUNK) {
      const data = this.item.readConsole(this.sent, CHUNK);
      if (!data.length) break;
      ws.send(JSON.stringify({ type: 'chunk', offset: this.sent, data: data.toString('base64') }));
      this.sent += data.length;
    }
    if (this.sent < size) setTimeout(() => this.pump(), 5);
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  private waitFor(cond: () => boolean, deadline: number): Promise<boolean> {
    return new Promise((done) => {
      const check = () => {
        if (cond()) return done(true);
        if (Date.now() >= deadline) return done(false);
        this.waiters.push(check);
        setTimeout(check, Math.min(200, Math.max(0, deadline - Date.now())));
      };
      check();
    });
  }

  /** Ends the stream: all bytes acked, then `finish`; falls back to REST, else stays spooled. */
  async finish(f: BootFinishInput | null, timeoutMs = 10_000): Promise<Delivery> {
    if (f) this.item.setFinish(f);
    const fin = this.item.finish();
    const size = this.item.consoleSize();
    const deadline = Date.now() + timeoutMs;
    let outcome: BootOutcome | null = null;
    // A collector that is not even answering health checks: spool now, don't wait for it.
    const reachable = this.ready || (await this.client.health());
    if (reachable && (await this.waitFor(() => this.ready && this.acked >= size, deadline))) {
      this.ws?.send(JSON.stringify({ type: 'finish', finish: { ...fin, consoleBytes: size } }));
      this.finishSent = true;
      if (await this.waitFor(() => this.finished !== null || this.finishRefused, deadline))
        outcome = this.finished?.outcome ?? null;
    }
    if (!outcome)
      outcome = await this.finishRest(fin, size).catch((err) => {
        this.lastError = (err as Error).message;
        return null;
      });
    this.close();
    if (outcome) {
      this.item.remove();
      return { delivered: true, bootId: this.bootId, outcome, error: null };
    }
    return {
      delivered: false,
      bootId: this.bootId,
      outcome: null,
      error: this.lastError ?? 'collector unreachable',
    };
  }

  /** REST fallback: send what the collector lacks, then finish. */
  private async finishRest(fin: BootFinishInput | null, size: number): Promise<BootOutcome> {
    const id = await this.ensureBoot();
    let offset = this.acked;
    for (let guard = 0; offset < size && guard < 10_000; guard++) {
      const data = this.item.readConsole(offset, 1 << 20);
      const r = await this.client.request<{ offset?: number }>(
        'POST',
        `/api/boots/${id}/console?offset=${offset}`,
        undefined,
        data,
      );
      offset = typeof r.offset === 'number' ? r.offset : offset + data.length;
    }
    const r = await this.client.request<{ outcome?: BootOutcome }>('POST', `/api/boots/${id}/finish`, {
      ...fin,
      consoleBytes: size,
    });
    return r.outcome ?? 'stalled';
  }

  /** Stops reconnecting; the spool keeps whatever was not delivered. */
  close(): void {
    this.stopped = true;
    if (this.retry) clearTimeout(this.retry);
    this.retry = null;
    this.ws?.close();
    this.ws = null;
  }
}
