/**
 * One boot's console on its way to the collector over the ingest WebSocket: the spool file
 * is the truth, and every reconnect resumes from the collector's ack.
 */
import WebSocket from 'ws';
import { authHeaders } from '../common/auth-headers.ts';
import type { BootFinishInput, BootOutcome, IngestServerMessage } from '../common/types/ingest.ts';
import type { CollectorClient, Delivery } from './collector-client.ts';
import type { SpoolItem } from './spool.ts';

const CHUNK = 64 * 1024;

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
      const ws = new WebSocket(url, { handshakeTimeout: 5000, headers: authHeaders() });
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
