/**
 * Failures grouped across variants and runs — "the same failure in 4 variants since
 * build #12" — by crash title or first fatal error; warnings, non-fatal crashes and
 * failed driver probes tracked the same way (nobody tracks probe failures today).
 */
import type { BootOutcome } from '../../common/types/ingest.ts';
import type { BootEvent, BootStage } from '../../common/types/parse.ts';
import { sanitizeTitle } from '../parser/sanitize-title.ts';
import { type CrashFacts, eventKey, type ProbeFacts, probeKey } from './event-keys.ts';

export interface FailureBoot {
  id: number;
  buildId: number | null;
  variant: string | null;
  at: string;
  outcome: BootOutcome | null;
  lastStage: BootStage | null;
  panicReason: string | null;
  crashes: CrashFacts[];
  /** Troubling events only are needed: errors, mount/exec failures, probes. */
  events: BootEvent[];
  /** Failed probes read as their keys' facts (from the events' columns), in order. */
  probes?: (ProbeFacts & { line: number })[];
}

export type FailureKind = 'crash' | 'warning' | 'error' | 'probe' | 'stalled' | 'no_output';

export interface Occurrence {
  bootId: number;
  buildId: number | null;
  variant: string | null;
  at: string;
  line: number | null;
}

export interface FailureGroup {
  key: string;
  kind: FailureKind;
  title: string;
  /** True when it ended the boot (the boot's signature), false for a warning along the way. */
  fatal: boolean;
  count: number;
  /** Newest first, bounded. */
  occurrences: Occurrence[];
  variants: string[];
  first: Occurrence;
  last: Occurrence;
  /** The earliest build that showed it. */
  sinceBuild: number | null;
  /** First seen in a variant's latest boot, after that variant booted without it. */
  isNew: boolean;
  /** Variants whose latest boot still shows it. */
  ongoingIn: string[];
}

interface Hit {
  key: string;
  kind: FailureKind;
  title: string;
  fatal: boolean;
  line: number | null;
}

/** What made a failed boot fail, as one hit: its fatal crash, else its first error, else how far it got. */
function signature(b: FailureBoot): Hit | null {
  if (!b.outcome || b.outcome === 'booted' || b.outcome === 'error') return null;
  const fatal = b.crashes.find((c) => c.fatal) ?? (b.outcome === 'panic' ? b.crashes[0] : undefined);
  if (fatal)
    return { key: `crash:${fatal.title}`, kind: 'crash', title: fatal.title, fatal: true, line: fatal.line };
  if (b.panicReason) {
    // Named as the parser names a panic, so it groups with boots whose crash was kept.
    const title = sanitizeTitle(`kernel panic: ${b.panicReason}`);
    return { key: `crash:${title}`, kind: 'crash', title, fatal: true, line: null };
  }
  for (const e of b.events) {
    const k = eventKey(e);
    if (k && k.cls === 'error')
      return { key: k.key, kind: 'error', title: k.title, fatal: true, line: e.line };
  }
  if (b.outcome === 'no_output')
    return { key: 'no_output', kind: 'no_output', title: 'no kernel output', fatal: true, line: null };
  const stage = b.lastStage ?? 'kernel';
  return {
    key: `stalled:${stage}`,
    kind: 'stalled',
    title: `stalled after ${stage}`,
    fatal: true,
    line: null,
  };
}

/** Every hit of a boot: its signature plus non-fatal crashes and failed probes. */
function hits(b: FailureBoot): Hit[] {
  const out = new Map<string, Hit>();
  const sig = signature(b);
  if (sig) out.set(sig.key, sig);
  for (const c of b.crashes) {
    const key = `crash:${c.title}`;
    if (!out.has(key))
      out.set(key, {
        key,
        kind: c.kind === 'warning' ? 'warning' : 'crash',
        title: c.title,
        fatal: false,
        line: c.line,
      });
  }
  const probe = (k: { key: string; title: string } | null, line: number) => {
    if (k && !out.has(k.key))
      out.set(k.key, { key: k.key, kind: 'probe', title: k.title, fatal: false, line });
  };
  for (const e of b.events) if (e.kind === 'probe') probe(eventKey(e), e.line);
  for (const p of b.probes ?? []) probe(probeKey(p), p.line);
  return [...out.values()];
}

/** Groups boots (any order) by what failed; newest groups first. */
export function groupFailures(boots: readonly FailureBoot[], maxOccurrences = 50): FailureGroup[] {
  const sorted = [...boots].sort((x, y) => (x.at < y.at ? 1 : x.at > y.at ? -1 : y.id - x.id));
  const latestOf = new Map<string, number>();
  const bootsOf = new Map<string, number>();
  for (const b of sorted) {
    const v = b.variant ?? '(none)';
    if (!latestOf.has(v)) latestOf.set(v, b.id);
    bootsOf.set(v, (bootsOf.get(v) ?? 0) + 1);
  }
  const groups = new Map<string, { hit: Hit; occ: Occurrence[] }>();
  for (const b of sorted) {
    for (const h of hits(b)) {
      const g = groups.get(h.key) ?? { hit: h, occ: [] };
      // A key can be fatal in one boot and a side note in another: fatal wins.
      if (h.fatal && !g.hit.fatal) g.hit = h;
      g.occ.push({ bootId: b.id, buildId: b.buildId, variant: b.variant, at: b.at, line: h.line });
      groups.set(h.key, g);
    }
  }
  const out: FailureGroup[] = [];
  for (const [key, { hit, occ }] of groups) {
    const variants = [...new Set(occ.map((o) => o.variant ?? '(none)'))].sort();
    const first = occ[occ.length - 1];
    const seenIn = new Set(occ.map((o) => o.bootId));
    const ongoingIn = variants.filter((v) => seenIn.has(latestOf.get(v)!));
    const fv = first.variant ?? '(none)';
    const isNew = first.bootId === latestOf.get(fv) && (bootsOf.get(fv) ?? 0) > 1;
    const builds = occ.map((o) => o.buildId).filter((x): x is number => x != null);
    out.push({
      key,
      kind: hit.kind,
      title: hit.title,
      fatal: hit.fatal,
      count: occ.length,
      occurrences: occ.slice(0, maxOccurrences),
      variants,
      first,
      last: occ[0],
      sinceBuild: builds.length ? Math.min(...builds) : null,
      isNew,
      ongoingIn,
    });
  }
  return out.sort((x, y) => (x.last.at < y.last.at ? 1 : x.last.at > y.last.at ? -1 : y.count - x.count));
}
