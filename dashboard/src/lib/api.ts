/**
 * The collector's API: the only module that fetches. Every read takes an AbortSignal so a
 * view that changes its filters cancels what it no longer needs. Writes send JSON only: the
 * collector refuses form and text bodies from browsers (CSRF), and so would a cross-site page.
 */
import type {
  AgentSummary,
  ApiError as ApiErrorBody,
  BaselinePin,
  BisectionDetail,
  BisectionSummary,
  BootDetail,
  BootOutcome,
  BootSummary,
  BuildDetail,
  BuildSummary,
  ClimbDetail,
  ClimbSummary,
  CompareResponse,
  ConsolePage,
  CreatedSubscription,
  Delivery,
  FailureGroupItem,
  IssueDetail,
  IssueStatus,
  IssueSummary,
  RegressionItem,
  SessionInfo,
  SizeDiff,
  Subscription,
  SubscriptionInput,
  Thresholds,
  TrendMetric,
  TrendsResponse,
  VariantOverview,
} from '$types/api.ts';
import type { Arch } from '$types/parse.ts';
import { ARCHES } from '../../../common/arch.ts';

export type { SessionInfo, Thresholds };

/** An answer other than 2xx: the collector's code (`boot.not_found`) and its message. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** Seconds to wait, from a 429's `Retry-After`. */
    readonly retryAfter: number | null = null,
  ) {
    super(message);
  }

  /** The token is missing, unknown or revoked: signing in helps. */
  get unauthenticated(): boolean {
    return this.status === 401;
  }

  /** The token is valid but its scope is too low for this. */
  get forbidden(): boolean {
    return this.status === 403;
  }
}

/** Token scopes, weakest first: each may do what the ones before it may. */
export const SCOPES = ['read', 'submit', 'admin'] as const;
export type Scope = (typeof SCOPES)[number];

/** A collector from before tokens: open to all, like auth off. */
const NO_AUTH: SessionInfo = { auth: false, publicRead: false, signedIn: false, token: null };
const SIGNED_OUT: SessionInfo = { auth: true, publicRead: false, signedIn: false, token: null };

let onAuthRequired: (err: ApiError) => void = () => {};

/** What to do when a request answers 401 (the app sends the user to the sign-in page). */
export function handleAuthRequired(fn: (err: ApiError) => void): void {
  onAuthRequired = fn;
}

type Params = Record<string, string | number | boolean | readonly (string | number)[] | null | undefined>;

/** `/api/x?a=1&b=2`, leaving out empty values; arrays become comma lists. */
function apiUrl(path: string, params: Params = {}): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v == null || v === '' || (Array.isArray(v) && !v.length)) continue;
    q.set(k, Array.isArray(v) ? v.join(',') : String(v));
  }
  const s = q.toString();
  return s ? `${path}?${s}` : path;
}

interface RequestOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Sent as JSON. */
  body?: unknown;
  signal?: AbortSignal;
  /** False where a 401 is the answer the caller shows itself (signing in). */
  authRedirect?: boolean;
}

async function errorOf(res: Response): Promise<ApiError> {
  let body: Partial<ApiErrorBody> = {};
  try {
    body = (await res.json()) as ApiErrorBody;
  } catch {
    // Not JSON (a proxy's error page): the status line says enough.
  }
  const wait = Number(res.headers.get('retry-after'));
  return new ApiError(
    res.status,
    body.error?.code ?? `http.${res.status}`,
    body.error?.message ?? res.statusText,
    Number.isFinite(wait) && wait > 0 ? Math.ceil(wait) : null,
  );
}

/** One request to the collector; the session cookie rides along (same origin). */
async function request(url: string, opts: RequestOptions = {}): Promise<Response> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (opts.body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(url, {
    method: opts.method ?? 'GET',
    signal: opts.signal,
    headers,
    body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
    credentials: 'same-origin',
  });
  if (res.ok) return res;
  const err = await errorOf(res);
  if (err.unauthenticated && opts.authRedirect !== false) onAuthRequired(err);
  throw err;
}

async function getJson<T>(url: string, signal?: AbortSignal): Promise<T> {
  return (await (await request(url, { signal })).json()) as T;
}

async function sendJson<T>(
  method: 'POST' | 'PUT' | 'PATCH' | 'DELETE',
  url: string,
  body?: unknown,
): Promise<T> {
  const res = await request(url, { method, body });
  return (res.status === 204 ? undefined : await res.json()) as T;
}

export interface BootFilter {
  variant?: string[];
  outcome?: BootOutcome[];
  target?: string[];
  arch?: Arch[];
  state?: 'running' | 'finished';
  buildId?: number;
  /** Keyset paging: boots older than this id. */
  before?: number;
  /** Boots newer than this id. */
  after?: number;
  limit?: number;
}

/** Where an issue stands: first seen in a variant's latest boot, seen before, or gone for a while. */
export const ISSUE_STATUSES = ['new', 'known', 'gone'] as const satisfies readonly IssueStatus[];

/** Architectures the collector tells logs apart by. */
export { ARCHES };

/** What `GET /api/issues` filters on; absent means any. */
export interface IssueFilter {
  status?: IssueStatus[];
  kind?: string[];
  variant?: string[];
  /** Only issues seen in boots of these architectures. */
  arch?: Arch[];
  q?: string;
  /** Only the issues that appeared in this boot. */
  boot?: number;
  limit?: number;
}

export const api = {
  /** Whether the collector wants a token and whose this browser holds; a collector without the route is open. */
  async session(signal?: AbortSignal): Promise<SessionInfo> {
    try {
      return (await (await request('/api/session', { signal, authRedirect: false })).json()) as SessionInfo;
    } catch (err) {
      if (err instanceof ApiError && err.status === 404) return NO_AUTH;
      // A collector that guards even this route (or a revoked token's cookie): it wants a token.
      if (err instanceof ApiError && err.unauthenticated) return SIGNED_OUT;
      throw err;
    }
  },

  /** Trades a token for the session cookie (HttpOnly: the page never holds the token again). */
  signIn: async (token: string) =>
    (await (
      await request('/api/session', { method: 'POST', body: { token }, authRedirect: false })
    ).json()) as { name: string; scope: Scope },

  signOut: async () => {
    await request('/api/session', { method: 'DELETE', authRedirect: false });
  },

  baselines: (signal?: AbortSignal) => getJson<BaselinePin[]>('/api/baselines', signal),

  /** This token's alert subscriptions (an admin's: all). */
  subscriptions: (signal?: AbortSignal) => getJson<Subscription[]>('/api/subscriptions', signal),

  /** Subscribes; the answer holds a webhook's signing secret, this once. */
  subscribe: (input: SubscriptionInput) => sendJson<CreatedSubscription>('POST', '/api/subscriptions', input),

  /** Pauses or resumes a subscription. */
  setSubscriptionEnabled: (id: number, enabled: boolean) =>
    sendJson<Subscription>('PATCH', `/api/subscriptions/${id}`, { enabled }),

  unsubscribe: (id: number) => sendJson<void>('DELETE', `/api/subscriptions/${id}`),

  /** A subscription's deliveries with every attempt, newest first. */
  deliveries: (id: number, signal?: AbortSignal) =>
    getJson<Delivery[]>(`/api/subscriptions/${id}/deliveries`, signal),

  /** Pins `bootId` as its variant's baseline (admin). */
  pinBaseline: (variant: string, bootId: number, note?: string) =>
    sendJson<BaselinePin>('PUT', `/api/variants/${encodeURIComponent(variant)}/baseline`, { bootId, note }),

  /** Back to the variant's last good run (admin). */
  unpinBaseline: (variant: string) =>
    sendJson<{ unpinned: boolean }>('DELETE', `/api/variants/${encodeURIComponent(variant)}/baseline`),

  thresholds: (variant: string, signal?: AbortSignal) =>
    getJson<Thresholds>(`/api/variants/${encodeURIComponent(variant)}/thresholds`, signal),

  /** Replaces the variant's threshold overrides (admin). */
  setThresholds: (variant: string, t: Thresholds) =>
    sendJson<Thresholds>('PUT', `/api/variants/${encodeURIComponent(variant)}/thresholds`, t),

  /** Variants at a glance; with `arch`, only those of these architectures. */
  variants: (signal?: AbortSignal, f: { arch?: Arch[] } = {}) =>
    getJson<VariantOverview[]>(apiUrl('/api/variants', f), signal),

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

  trends: (
    f: { variant?: string[]; metric: TrendMetric[]; arch?: Arch[]; limit?: number },
    signal?: AbortSignal,
  ) => getJson<TrendsResponse>(apiUrl('/api/trends', f), signal),

  /** What changed from boot `a` to boot `b`; `limit` symbols of the size diff. */
  compare: (a: number, b: number, limit: number, signal?: AbortSignal) =>
    getJson<CompareResponse>(apiUrl('/api/compare', { a, b, limit }), signal),

  regressions: (
    f: { status?: 'open' | 'fixed' | 'all'; variant?: string[]; arch?: Arch[]; limit?: number },
    signal?: AbortSignal,
  ) => getJson<RegressionItem[]>(apiUrl('/api/regressions', f), signal),

  /** Failures grouped across the newest `boots` boots. */
  failures: (
    f: { variant?: string[]; kind?: string[]; arch?: Arch[]; boots?: number },
    signal?: AbortSignal,
  ) => getJson<FailureGroupItem[]>(apiUrl('/api/failures', f), signal),

  /** Issues, the most recently seen first. */
  issues: (f: IssueFilter, signal?: AbortSignal) =>
    getJson<IssueSummary[]>(apiUrl('/api/issues', { ...f }), signal),

  /** One issue with its variants and the newest boots it appeared in. */
  issue: (id: number, signal?: AbortSignal) => getJson<IssueDetail>(`/api/issues/${id}`, signal),

  /** Config bisections, the most recently updated first. */
  bisections: (signal?: AbortSignal) => getJson<BisectionSummary[]>('/api/bisections', signal),

  /** Climbs, the most recently updated first. */
  climbs: (signal?: AbortSignal) => getJson<ClimbSummary[]>('/api/climbs', signal),

  /** One climb: every attempt, the ladder so far, the fragment. */
  climb: (id: number, signal?: AbortSignal) => getJson<ClimbDetail>(`/api/climbs/${id}`, signal),

  /** Agents that lease jobs here: online, their jobs, last seen. */
  agents: (signal?: AbortSignal) => getJson<AgentSummary[]>('/api/agents', signal),

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

/** The name of the token that submitted a boot, build, run or bisection; null before tokens or without one. */
export function submitter(x: object): string | null {
  const v = (x as { submittedBy?: unknown }).submittedBy;
  return typeof v === 'string' && v ? v : null;
}

/** Where the raw console bytes of a boot download from. */
export const rawConsoleUrl = (id: number) => `/api/boots/${id}/console.raw`;

/** The live feed's WebSocket URL on this origin: one boot's messages, or only some message types. */
export function feedUrl(bootId?: number | null, types?: readonly string[]): string {
  const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${proto}//${location.host}${apiUrl('/api/feed', { boot: bootId, types })}`;
}
