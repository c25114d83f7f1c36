/**
 * History routing: every view and filter lives in the URL (`/boots/12?kind=error#L81`), so
 * links can be shared and back/forward work. The hash stays free for console line anchors.
 */

export type Route =
  | { view: 'overview' }
  | { view: 'trends' }
  | { view: 'boot'; id: number }
  | { view: 'build'; id: number }
  | { view: 'compare' }
  | { view: 'failures' }
  | { view: 'issues' }
  | { view: 'issue'; id: number }
  | { view: 'live'; id: number | null }
  | { view: 'bisections' }
  | { view: 'bisection'; id: number }
  | { view: 'climbs' }
  | { view: 'climb'; id: number }
  | { view: 'agents' }
  | { view: 'alerts' }
  | { view: 'signin' }
  | { view: 'not_found' };

/** Which view a path names. */
function matchRoute(path: string): Route {
  const p = path.replace(/\/+$/, '') || '/';
  if (p === '/') return { view: 'overview' };
  if (p === '/trends') return { view: 'trends' };
  if (p === '/compare') return { view: 'compare' };
  if (p === '/failures') return { view: 'failures' };
  if (p === '/issues') return { view: 'issues' };
  if (p === '/live') return { view: 'live', id: null };
  if (p === '/bisect') return { view: 'bisections' };
  if (p === '/climb') return { view: 'climbs' };
  if (p === '/agents') return { view: 'agents' };
  if (p === '/signin') return { view: 'signin' };
  if (p === '/alerts') return { view: 'alerts' };
  const m = /^\/(boots|builds|live|bisect|climb|issues)\/(\d+)$/.exec(p);
  if (m) {
    const id = Number(m[2]);
    if (m[1] === 'boots') return { view: 'boot', id };
    if (m[1] === 'builds') return { view: 'build', id };
    if (m[1] === 'bisect') return { view: 'bisection', id };
    if (m[1] === 'climb') return { view: 'climb', id };
    if (m[1] === 'issues') return { view: 'issue', id };
    return { view: 'live', id };
  }
  return { view: 'not_found' };
}

/**
 * Where to go after signing in: an in-app path of this origin (`/boots/12?kind=error#L81`),
 * else `/`. A `next` of `//evil.example` or `https://…` must not turn sign-in into a redirector.
 */
export function safeNext(next: string | null | undefined): string {
  if (!next?.startsWith('/') || next.startsWith('//') || next.includes('\\')) return '/';
  let url: URL;
  try {
    url = new URL(next, location.origin);
  } catch {
    return '/';
  }
  if (url.origin !== location.origin || url.pathname.startsWith('/api/') || url.pathname === '/signin')
    return '/';
  return `${url.pathname}${url.search}${url.hash}`;
}

/** The sign-in page's URL, coming back to `from` (the current page by default). */
export function signInHref(from = `${location.pathname}${location.search}${location.hash}`): string {
  const next = safeNext(from);
  return next === '/' ? '/signin' : `/signin?next=${encodeURIComponent(next)}`;
}

type QueryValue = string | number | boolean | readonly (string | number)[] | null | undefined;

class Router {
  path = $state(location.pathname);
  search = $state(location.search);
  hash = $state(location.hash);
  route = $derived(matchRoute(this.path));
  query = $derived(new URLSearchParams(this.search));

  constructor() {
    addEventListener('popstate', () => this.sync());
    addEventListener('hashchange', () => this.sync());
  }

  private sync(): void {
    this.path = location.pathname;
    this.search = location.search;
    this.hash = location.hash;
  }

  /** Goes to an in-app URL; `replace` for changes not worth a history entry (typing in a filter). */
  navigate(href: string, opts: { replace?: boolean } = {}): void {
    const url = new URL(href, location.href);
    const samePage = url.pathname === location.pathname;
    if (url.href === location.href) return;
    if (opts.replace) history.replaceState(null, '', url);
    else history.pushState(null, '', url);
    this.sync();
    if (!samePage && !url.hash) scrollTo(0, 0);
  }

  /** A query parameter as a string (`''` when absent). */
  get(name: string): string {
    return this.query.get(name) ?? '';
  }

  /** A comma-list query parameter. */
  list(name: string): string[] {
    const v = this.query.get(name);
    return v ? v.split(',').filter(Boolean) : [];
  }

  /** A positive integer parameter, or null when absent or malformed. */
  int(name: string): number | null {
    const v = Number(this.query.get(name));
    return Number.isInteger(v) && v > 0 ? v : null;
  }

  /** Changes some query parameters of the current view; empty values are removed. */
  setQuery(values: Record<string, QueryValue>, opts: { replace?: boolean; keepHash?: boolean } = {}): void {
    const q = new URLSearchParams(this.search);
    for (const [k, v] of Object.entries(values)) {
      if (v == null || v === '' || v === false || (Array.isArray(v) && !v.length)) q.delete(k);
      else q.set(k, Array.isArray(v) ? v.join(',') : String(v));
    }
    const s = q.toString();
    this.navigate(`${this.path}${s ? `?${s}` : ''}${opts.keepHash ? this.hash : ''}`, opts);
  }
}

export const router = new Router();

/** Follows clicks on in-app links without reloading; lets the browser handle everything else. */
export function interceptLinks(root: HTMLElement): () => void {
  const onClick = (e: MouseEvent) => {
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    const a = (e.target as Element).closest('a');
    if (!a || a.target || a.hasAttribute('download') || !a.href) return;
    const url = new URL(a.href);
    if (url.origin !== location.origin || url.pathname.startsWith('/api/')) return;
    // A bare `#L81` on the same page is the browser's job: it scrolls and records history.
    if (url.pathname === location.pathname && url.search === location.search && url.hash) return;
    e.preventDefault();
    router.navigate(url.href);
  };
  root.addEventListener('click', onClick);
  return () => root.removeEventListener('click', onClick);
}
