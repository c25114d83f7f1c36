/**
 * Failures grouped across variants and runs, in GET /api/failures's shape: by crash title,
 * else the panic reason, else how far the boot got. For a collector without that route they
 * are built here from a page of boot summaries (and, for failed probes, the latest boot of
 * each variant).
 */
import type { BootDetail, BootSummary, FailureGroupItem, FailureOccurrence } from '$types/api.ts';
import { isKernelFailure } from './outcomes.ts';

type Occurrence = FailureOccurrence;

export interface FailureGroup extends FailureGroupItem {
  /** Variants where it first showed in their latest boot, after earlier boots without it. */
  newIn?: string[];
}

function titleOf(
  b: BootSummary,
): { kind: FailureGroupItem['kind']; title: string; line: number | null } | null {
  if (b.firstCrash) return { kind: 'crash', title: b.firstCrash, line: b.panic?.line ?? null };
  if (b.panic) return { kind: 'crash', title: `kernel panic: ${b.panic.reason}`, line: b.panic.line };
  if (b.outcome === 'stalled')
    return { kind: 'stalled', title: `stalled after ${b.lastStage ?? 'kernel start'}`, line: null };
  if (b.outcome === 'no_output') return { kind: 'no_output', title: 'no kernel output', line: null };
  return null;
}

function finish(
  key: string,
  kind: FailureGroupItem['kind'],
  title: string,
  occurrences: Occurrence[],
  latestOf: Map<string, number>,
  earliestOf: Map<string, number>,
): FailureGroup {
  occurrences.sort((x, y) => (x.at < y.at ? 1 : x.at > y.at ? -1 : y.bootId - x.bootId));
  const variants = [...new Set(occurrences.map((o) => o.variant ?? '(none)'))].sort();
  const first = occurrences[occurrences.length - 1];
  const ongoingIn = variants.filter((v) => occurrences.some((o) => o.bootId === latestOf.get(v)));
  // New in a variant: it never showed there before the variant's latest boot, which had predecessors.
  const newIn = variants.filter((v) => {
    const inV = occurrences.filter((o) => o.variant === v);
    return (
      inV.length === 1 &&
      inV[0].bootId === latestOf.get(v) &&
      earliestOf.has(v) &&
      earliestOf.get(v) !== inV[0].bootId
    );
  });
  const isNew = first.variant != null && newIn.includes(first.variant);
  const builds = occurrences.map((o) => o.buildId).filter((id): id is number => id != null);
  return {
    key,
    kind,
    title,
    fatal: kind !== 'probe',
    count: occurrences.length,
    occurrences,
    variants,
    first,
    last: occurrences[0],
    sinceBuild: builds.length ? Math.min(...builds) : null,
    isNew,
    ongoingIn,
    newIn,
  };
}

/** Groups failed boots (listed newest first) by what failed. */
export function groupFailures(boots: readonly BootSummary[]): FailureGroup[] {
  const latestOf = new Map<string, number>();
  const earliestOf = new Map<string, number>();
  for (const b of boots) {
    if (!b.variant) continue;
    if (!latestOf.has(b.variant)) latestOf.set(b.variant, b.id);
    earliestOf.set(b.variant, b.id);
  }
  const groups = new Map<string, { kind: FailureGroupItem['kind']; title: string; occ: Occurrence[] }>();
  for (const b of boots) {
    if (b.state !== 'finished' || !isKernelFailure(b.outcome)) continue;
    const t = titleOf(b);
    if (!t) continue;
    const key = `${t.kind}:${t.title}`;
    let g = groups.get(key);
    if (!g) {
      g = { kind: t.kind, title: t.title, occ: [] };
      groups.set(key, g);
    }
    g.occ.push({ bootId: b.id, buildId: b.buildId, variant: b.variant, at: b.startedAt, line: t.line });
  }
  return [...groups.entries()]
    .map(([key, g]) => finish(key, g.kind, g.title, g.occ, latestOf, earliestOf))
    .sort((x, y) => Number(y.isNew) - Number(x.isNew) || (x.last.at < y.last.at ? 1 : -1));
}

/** Failed driver probes in the given boots (each variant's latest), grouped by driver and errno. */
export function groupProbeFailures(details: readonly BootDetail[]): FailureGroup[] {
  const latestOf = new Map<string, number>();
  for (const d of details) if (d.variant) latestOf.set(d.variant, d.id);
  const groups = new Map<string, { title: string; occ: Occurrence[] }>();
  for (const d of details)
    for (const e of d.events) {
      if (e.kind !== 'probe' || e.ok) continue;
      const title = `${e.driver}: probe of ${e.device || '?'} failed${e.errnoName ? ` with ${e.errnoName}` : e.errno != null ? ` (${e.errno})` : ''}`;
      const key = `probe:${title}`;
      let g = groups.get(key);
      if (!g) {
        g = { title, occ: [] };
        groups.set(key, g);
      }
      g.occ.push({ bootId: d.id, buildId: d.buildId, variant: d.variant, at: d.startedAt, line: e.line });
    }
  // Only latest boots were read: whether a probe failure is new is unknown, so none is called new.
  return [...groups.entries()].map(([key, g]) => ({
    ...finish(key, 'probe', g.title, g.occ, latestOf, new Map()),
    isNew: false,
  }));
}
