/** `bootwatch ingest --collector URL`: the same sink over the collector's REST API. */

import { authHeaders } from '../../common/auth-headers.ts';
import { BootwatchError, type ErrorCode } from '../../common/errors.ts';
import type { BootTarget, BuildInput } from '../../common/types/ingest.ts';
import type { IngestSink } from './ingest-command.ts';

const KNOWN: ErrorCode[] = [
  'input.invalid',
  'input.too_large',
  'build.not_found',
  'boot.not_found',
  'db.unavailable',
];

export class CollectorHttp implements IngestSink {
  private readonly base: string;

  constructor(url: string) {
    try {
      this.base = new URL(url).href.replace(/\/+$/, '');
    } catch {
      throw new BootwatchError(
        'input.invalid',
        `--collector must be a URL such as http://127.0.0.1:8080, not "${url}"`,
      );
    }
  }

  async recordBuild(input: BuildInput): Promise<number> {
    const r = await this.call<{ id: number }>('/api/builds', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(input),
    });
    return r.id;
  }

  async importLog(
    bytes: Uint8Array,
    o: { variant: string | null; buildId: number | null; target: BootTarget; initIsScript?: boolean },
  ): Promise<{ id: number; outcome: string }> {
    const q = new URLSearchParams({ target: o.target });
    if (o.variant) q.set('variant', o.variant);
    if (o.buildId != null) q.set('buildId', String(o.buildId));
    if (o.initIsScript) q.set('initScript', 'true');
    return this.call(`/api/logs?${q}`, {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream' },
      body: new Blob([bytes as Uint8Array<ArrayBuffer>]),
    });
  }

  async close(): Promise<void> {}

  /** A request whose failure becomes a coded error with the collector's own message. */
  private async call<T>(path: string, init: RequestInit): Promise<T> {
    let res: Response;
    try {
      res = await fetch(`${this.base}${path}`, {
        ...init,
        headers: { ...authHeaders(), ...(init.headers as Record<string, string>) },
        signal: AbortSignal.timeout(120_000),
      });
    } catch (err) {
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      const why = cause?.code ?? cause?.message ?? (err as Error).message;
      throw new BootwatchError('collector.unreachable', `cannot reach the collector at ${this.base}: ${why}`);
    }
    const text = await res.text();
    if (res.ok) return JSON.parse(text) as T;
    let code: ErrorCode =
      res.status === 503 ? 'db.unavailable' : res.status < 500 ? 'input.invalid' : 'internal';
    let message = `HTTP ${res.status}`;
    try {
      const body = JSON.parse(text) as { error?: { code?: string; message?: string } };
      if (body.error?.message) message = body.error.message;
      if (KNOWN.includes(body.error?.code as ErrorCode)) code = body.error!.code as ErrorCode;
    } catch {
      // Not our JSON (a proxy's page?): the status says enough.
    }
    throw new BootwatchError(code, `collector ${this.base}: ${message}`);
  }
}
