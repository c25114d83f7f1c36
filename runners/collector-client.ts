/**
 * Talks to the collector: builds and progress over REST, console streams over the ingest
 * WebSocket with resume-from-ack. Everything goes through the disk spool first, so when
 * the collector is away the run goes on and a later flush re-sends exactly what is missing.
 */
import { randomUUID } from 'node:crypto';
import { authHeaders } from '../common/auth-headers.ts';
import type { BisectionDetail, BisectionInput, ClimbDetail, ClimbInput } from '../common/types/api.ts';
import type { BootInput, BootOutcome, BuildInput } from '../common/types/ingest.ts';
import { BootUplink } from './boot-uplink.ts';
import { type LogUploadInput, Spool, type SpoolItem } from './spool.ts';

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
  /** Why the last log import stayed in the spool. */
  lastLogError: string | null = null;

  constructor(
    baseUrl: string,
    readonly spool = new Spool(),
    readonly timeoutMs = 5000,
  ) {
    this.baseUrl = baseUrl.replace(/\/+$/, '');
  }

  /** JSON request; throws on network errors and non-2xx answers, and when `signal` aborts it. */
  async request<T>(
    method: string,
    path: string,
    body?: unknown,
    raw?: Uint8Array,
    timeoutMs = this.timeoutMs,
    headers: Record<string, string> = {},
    signal?: AbortSignal,
  ): Promise<T> {
    const res = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: {
        ...headers,
        ...authHeaders(),
        ...(raw
          ? { 'content-type': 'application/octet-stream' }
          : body !== undefined
            ? { 'content-type': 'application/json' }
            : {}),
      },
      body: raw
        ? new Blob([raw as Uint8Array<ArrayBuffer>])
        : body !== undefined
          ? JSON.stringify(body)
          : undefined,
      signal: signal
        ? AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)])
        : AbortSignal.timeout(timeoutMs),
    });
    const text = await res.text();
    // The status rides along so callers can tell "not there" (404) from "collector away".
    if (!res.ok)
      throw Object.assign(new Error(`${method} ${path}: HTTP ${res.status} ${text.slice(0, 300)}`), {
        status: res.status,
      });
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
    // The spool key doubles as the idempotency key: a re-send after a lost answer stores nothing twice.
    item.write({
      kind: 'build',
      key,
      createdAt: new Date().toISOString(),
      input: { ...input, idempotencyKey: input.idempotencyKey ?? key },
    });
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

  /** Stores a bisection as it stands after a step; throws when the collector is away. */
  async putBisection(key: string, input: BisectionInput): Promise<number> {
    // The state carries both sides' whole .configs: give it more time than a progress message.
    const { id } = await this.request<{ id: number }>(
      'PUT',
      `/api/bisections/${key}`,
      input,
      undefined,
      Math.max(this.timeoutMs, 30_000),
    );
    return id;
  }

  /** The stored bisection with its resumable state; null when the collector has none with this key. */
  async getBisection(key: string): Promise<BisectionDetail | null> {
    try {
      return await this.request<BisectionDetail>('GET', `/api/bisections/${key}?state=true`);
    } catch (err) {
      if ((err as { status?: number }).status === 404) return null;
      throw err;
    }
  }

  /** Stores a climb as it stands after an attempt; throws when the collector is away. */
  async putClimb(key: string, input: ClimbInput): Promise<number> {
    const { id } = await this.request<{ id: number }>(
      'PUT',
      `/api/climbs/${key}`,
      input,
      undefined,
      Math.max(this.timeoutMs, 30_000),
    );
    return id;
  }

  /** The stored climb (by id or key) with its resumable state; null when the collector has none. */
  async getClimb(ref: string | number): Promise<ClimbDetail | null> {
    try {
      return await this.request<ClimbDetail>('GET', `/api/climbs/${ref}?state=true`);
    } catch (err) {
      if ((err as { status?: number }).status === 404) return null;
      throw err;
    }
  }

  /** Live build progress: best effort, at most ~4 per second per variant, never spooled. */
  progress(p: ProgressInput): void {
    const now = Date.now();
    const final = p.phase === 'done' || p.phase === 'failed';
    if (!final && now - (this.lastProgress.get(p.variant) ?? 0) < 250) return;
    this.lastProgress.set(p.variant, now);
    this.request('POST', '/api/builds/progress', p).catch(() => {});
  }

  /**
   * Imports a whole log (spooled first, sent with its idempotency key, retried a few times
   * while the collector is away); null when it stays in the spool for `spool flush`.
   */
  async importLog(
    bytes: Uint8Array,
    input: LogUploadInput,
    idempotencyKey: string,
    buildKey: string | null = null,
  ): Promise<{ id: number; outcome: BootOutcome } | null> {
    const key = `log-${Date.now()}-${randomUUID().slice(0, 8)}`;
    const item = this.spool.item(key);
    item.write({ kind: 'log', key, createdAt: new Date().toISOString(), input, buildKey, idempotencyKey });
    item.appendConsole(bytes);
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.sendLog(item);
      } catch (err) {
        const status = (err as { status?: number }).status;
        // The collector refused the log itself: re-sending it can never succeed.
        if (status && status < 500 && status !== 409 && status !== 429) {
          item.remove();
          throw err;
        }
        // What the user is told: the socket error's code (ECONNREFUSED) or the HTTP answer.
        const cause = (err as { cause?: { code?: string } }).cause?.code;
        this.lastLogError = cause ?? (err as Error).message;
        if (attempt >= 3) return null;
        await new Promise((r) => setTimeout(r, 500 << attempt));
      }
    }
  }

  private async sendLog(item: SpoolItem): Promise<{ id: number; outcome: BootOutcome }> {
    const e = item.read();
    if (e.kind !== 'log') throw new Error('not a log');
    const buildId = e.input.buildId ?? (e.buildKey ? this.spool.buildId(e.buildKey) : null);
    if (buildId == null && e.buildKey) throw new Error(`its build ${e.buildKey} is not at the collector yet`);
    const q = new URLSearchParams({ target: e.input.target });
    if (e.input.variant) q.set('variant', e.input.variant);
    if (buildId != null) q.set('buildId', String(buildId));
    if (e.input.initIsScript) q.set('initScript', 'true');
    // A large log takes the collector a while to parse and store.
    const r = await this.request<{ id: number; outcome: BootOutcome }>(
      'POST',
      `/api/logs?${q}`,
      undefined,
      item.readConsole(0, item.consoleSize()),
      Math.max(this.timeoutMs, 600_000),
      { 'idempotency-key': e.idempotencyKey },
    );
    item.remove();
    return r;
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
        if (e.kind === 'log') {
          await this.sendLog(item);
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

export type { BootUplink };
