/** How issues read on the dashboard: status colours, kind groups, and the Issues view's URL filters checked. */
import type { IssueStatus } from '$types/api.ts';
import type { Arch } from '$types/parse.ts';
import { ISSUE_STATUSES } from './api.ts';
import { isArch } from './arch.ts';
import type { Tone } from './components/Badge.svelte';

/** New is the one to look at, known is still there, gone has not been seen for a while. */
export const ISSUE_TONE: Record<IssueStatus, Tone> = { new: 'bad', known: 'warn', gone: 'ok' };

export { CRASH_KINDS, FAILURE_KINDS } from '../../../common/issue-kinds.ts';

/** `hung_task` → `hung task`: kinds as words. */
export const kindLabel = (kind: string) => kind.replaceAll('_', ' ');

/** A kind as the collector spells them: lower-case words joined by `_`. */
const KIND = /^[a-z][a-z0-9_]{0,39}$/;
/** Variant names are free text to the collector, but a comma would split the list. */
const VARIANT = /^[^,\s][^,]{0,199}$/;
/** Longer search text is no title anyone typed. */
const MAX_QUERY = 200;

interface IssueQuery {
  status: IssueStatus[];
  kind: string[];
  variant: string[];
  arch: Arch[];
  q: string;
  /** What the URL held that is not a filter value, as `name=value`, to say it was ignored. */
  ignored: string[];
}

/** The Issues view's filters from the URL's lists and text, keeping only well-formed values (once each). */
export function parseIssueQuery(raw: {
  status: string[];
  kind: string[];
  variant: string[];
  arch: string[];
  q: string;
}): IssueQuery {
  const ignored: string[] = [];
  const keep = <T extends string>(name: string, values: string[], ok: (v: string) => v is T) => {
    const out: T[] = [];
    for (const v of values)
      if (!ok(v)) ignored.push(`${name}=${v}`);
      else if (!out.includes(v)) out.push(v);
    return out;
  };
  const isStatus = (v: string): v is IssueStatus => (ISSUE_STATUSES as readonly string[]).includes(v);
  const q = raw.q.trim();
  if (q.length > MAX_QUERY) ignored.push(`q (longer than ${MAX_QUERY} characters)`);
  return {
    status: keep('status', raw.status, isStatus),
    kind: keep('kind', raw.kind, (v): v is string => KIND.test(v)),
    variant: keep('variant', raw.variant, (v): v is string => VARIANT.test(v)),
    arch: keep('arch', raw.arch, isArch),
    q: q.length > MAX_QUERY ? '' : q,
    ignored,
  };
}
