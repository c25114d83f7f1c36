/**
 * The collector's read API: the only module that fetches. Every function takes an
 * AbortSignal so a view that changes its filters cancels what it no longer needs.
 */
import type {
  ApiError as ApiErrorBody,
  BisectionDetail,
  BisectionSummary,
  BootDetail,
  BootOutcome,
  BootSummary,
  BuildDetail,
  BuildSummary,
  CompareResponse,
  ConsolePage,
  FailureGroupItem,
  RegressionItem,
  SizeDiff,
  TrendMetric,
  TrendsResponse,
  VariantOverview,
} from '$types/api.ts';

/** An answer other than 2xx: the collector's code (`boot.not_found`) and its message. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

type Params = Record<string, string | number | boolean | readonly (string | number)[] | null | undefined>;

/** `/api/x?a=1&b=2`, leaving out empty values; arrays become comma lists. */
export function apiUrl(path: string, params: Params = {}): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v == null || v === '' || (Array.isArray(v) && !v.length)) continue;
    q.set(k, Array.isArray(v) ? v.join(',') : String(v));
  }
  const s = q.toString();
  return s ? `${path}?${s}` : path;
}

async function getJson<T>(url: string, signal?: AbortSignal): Promise<T> {
  const res = await fetch(url, { signal, headers: { accept: 'application/json' } });
  if (!res.ok) {
    let body: Partial<ApiErrorBody> = {};
    try {
      body = (await res.json()) as ApiErrorBody;
    } catch {
      // Not JSON (a proxy's error page): the status line says enough.
    }
    throw new ApiError(
      res.status,
      body.error?.code ?? `http.${res.status}`,
      body.error?.message ?? res.statusText,
    );
  }
  return (await res.json()) as T;
}

export interface BootFilter {
  variant?: string[];
  outcome?: BootOutcome[];
  target?: string[];
  state?: 'running' | 'finished';
  buildId?: number;
  /** Keyset paging: boots older than this id. */
  before?: number;
  /** Boots newer than this id. */
  after?: number;
  limit?: number;
}

export const api = {
  variants: (signal?: AbortSignal) => getJson<VariantOverview[]>('/api/variants', signal),

  boots: (f: BootFilter, signal?: AbortSignal) =>
    getJson<BootSummary[]>(apiUrl('/api/boots', { limit: 50, ...f }), signal),

  boot: (id: number, signal?: AbortSignal) => getJson<BootDetail>(`/api/boots/${id}`, signal),

  console: (id: number, from: number, limit: number, signal?: AbortSignal) =>
    getJson<ConsolePage>(apiUrl(`/api/boots/${id}/console`, { from, limit }), signal),

  builds: (f: { variant?: string; limit?: number; before?: number }, signal?: AbortSignal) =>
    getJson<BuildSummary[]>(apiUrl('/api/builds', f), signal),

  build: (id: number, signal?: AbortSignal) => getJson<BuildDetail>(`/api/builds/${id}`, signal),

  sizeDiff: (id: number, against: number, limit: number, signal?: AbortSignal) =>
    getJson<SizeDiff>(apiUrl(`/api/builds/${id}/size-diff`, { against, limit }), signal),

  trends: (f: { variant?: string[]; metric: TrendMetric[]; limit?: number }, signal?: AbortSignal) =>
    getJson<TrendsResponse>(apiUrl('/api/trends', f), signal),

  /** What changed from boot `a` to boot `b`; `limit` symbols of the size diff. */
  compare: (a: number, b: number, limit: number, signal?: AbortSignal) =>
    getJson<CompareResponse>(apiUrl('/api/compare', { a, b, limit }), signal),

  regressions: (
    f: { status?: 'open' | 'fixed' | 'all'; variant?: string[]; limit?: number },
    signal?: AbortSignal,
  ) => getJson<RegressionItem[]>(apiUrl('/api/regressions', f), signal),

  /** Failures grouped across the newest `boots` boots. */
  failures: (f: { variant?: string[]; kind?: string[]; boots?: number }, signal?: AbortSignal) =>
    getJson<FailureGroupItem[]>(apiUrl('/api/failures', f), signal),

  /** Config bisections, the most recently updated first. */
  bisections: (signal?: AbortSignal) => getJson<BisectionSummary[]>('/api/bisections', signal),

  /** One bisection with its steps and culprits. */
  bisection: (id: number, signal?: AbortSignal) => getJson<BisectionDetail>(`/api/bisections/${id}`, signal),

  /** The newest boot of `variant` that booted, older than `before`: the baseline for "why did this fail?". */
  async lastGoodBoot(variant: string, before: number, signal?: AbortSignal): Promise<BootSummary | null> {
    const [boot] = await getJson<BootSummary[]>(
      apiUrl('/api/boots', { variant, outcome: 'booted', state: 'finished', before, limit: 1 }),
      signal,
    );
    return boot ?? null;
  },
};

/** Where the raw console bytes of a boot download from. */
export const rawConsoleUrl = (id: number) => `/api/boots/${id}/console.raw`;

/** The live feed's WebSocket URL on this origin: one boot's messages, or only some message types. */
export function feedUrl(bootId?: number | null, types?: readonly string[]): string {
  const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${proto}//${location.host}${apiUrl('/api/feed', { boot: bootId, types })}`;
}
