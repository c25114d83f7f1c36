/**
 * The search steps of config bisection: which options differ, applying some of them,
 * ordering them (Kconfig dependencies first), and the binary search over an ordered
 * prefix of changes that finds the last good and the first bad config.
 */
import type { BisectPhase, BisectVerdict } from '../../common/types/api.ts';
import type { ConfigValues } from './config-diff.ts';

export type Verdict = BisectVerdict;

export type Phase = BisectPhase;

/** A fragment as the bisection state keeps it: options and values (null: absent). */
export interface EncodedFragment {
  name: string;
  values: [string, string | null][];
}

export interface Point {
  values: ConfigValues;
  hash: string;
  verdict: Verdict;
}

/** Options whose values differ (absent counts as its own value). */
export function differingOptions(a: ConfigValues, b: ConfigValues): string[] {
  const out = new Set<string>();
  for (const [k, v] of a) if (b.get(k) !== v) out.add(k);
  for (const k of b.keys()) if (!a.has(k)) out.add(k);
  return [...out].sort();
}

/** `base` with `options` set to their values in `from` (removed where `from` lacks them). */
export function applyOptions(
  base: ConfigValues,
  from: ConfigValues,
  options: Iterable<string>,
): ConfigValues {
  const out = new Map(base);
  for (const o of options) {
    const v = from.get(o);
    if (v === undefined) out.delete(o);
    else out.set(o, v);
  }
  return out;
}

/** Orders options so dependencies come first, then by `rank` (lower first), then by name. */
export function orderOptions(
  options: readonly string[],
  rank: (o: string) => number,
  dependsOn?: (o: string) => string[],
): string[] {
  const set = new Set(options);
  const sorted = [...options].sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0));
  if (!dependsOn) return sorted;
  const out: string[] = [];
  const state = new Map<string, 1 | 2>();
  const visit = (o: string) => {
    if (state.get(o)) return; // 1: on the path (a cycle: Kconfig forbids them, so just stop), 2: done
    state.set(o, 1);
    for (const d of dependsOn(o)) if (set.has(d)) visit(d);
    state.set(o, 2);
    out.push(o);
  };
  for (const o of sorted) visit(o);
  return out;
}

const isOn = (v: string | undefined) => v !== undefined && v !== 'n';

/** Options plus the dependencies among `within` that switching them on needs, transitively. */
export function closure(
  options: string[],
  within: Set<string>,
  target: ConfigValues,
  dependsOn?: (o: string) => string[],
): string[] {
  const out = new Set<string>();
  const add = (o: string) => {
    if (out.has(o)) return;
    out.add(o);
    // Switching an option off needs nothing: Kconfig drops its dependents by itself.
    if (!isOn(target.get(o))) return;
    for (const d of dependsOn?.(o) ?? []) if (within.has(d) && isOn(target.get(d))) add(d);
  };
  for (const o of options) add(o);
  return [...out];
}

/** Per differing fragment, the differing options it sets, in the bad side's fragment order. */
export function fragmentUnits(
  goodFragments: EncodedFragment[] | undefined,
  badFragments: EncodedFragment[] | undefined,
  diff: Set<string>,
): string[][] {
  const good = new Map((goodFragments ?? []).map((f) => [f.name, f.values]));
  const bad = new Map((badFragments ?? []).map((f) => [f.name, f.values]));
  const names = [...bad.keys(), ...[...good.keys()].filter((n) => !bad.has(n))];
  const units: string[][] = [];
  const seen = new Set<string>();
  for (const n of names) {
    const a = JSON.stringify(good.get(n) ?? null);
    const b = JSON.stringify(bad.get(n) ?? null);
    if (a === b) continue;
    const opts = [...(bad.get(n) ?? []), ...(good.get(n) ?? [])]
      .map(([o]) => o)
      .filter((o) => diff.has(o) && !seen.has(o));
    for (const o of opts) seen.add(o);
    if (opts.length) units.push([...new Set(opts)]);
  }
  return units;
}

/** Hinted options first (in hint order), then in fragment order, then the rest. */
export function rankBy(hints: string[], units: string[][]): (o: string) => number {
  const r = new Map<string, number>();
  let i = 0;
  for (const h of hints) r.set(h, i++);
  for (const u of units) for (const o of u) if (!r.has(o)) r.set(o, i++);
  return (o) => r.get(o) ?? Number.MAX_SAFE_INTEGER;
}

export type Test = (values: ConfigValues, phase: Phase, tried: string[]) => Promise<Point>;

/**
 * Binary search for the shortest prefix of `units` that, applied to `lo` (good), makes it
 * bad; `hi` (bad) stands for the whole list. Returns the last good and first bad points and
 * the unit between them. A skipped point is replaced by its nearest untried neighbour.
 */
export async function search(
  lo: Point,
  hi: Point,
  units: string[][],
  phase: Phase,
  test: Test,
  track: (lo: Point, hi: Point) => void,
): Promise<{ lo: Point; hi: Point; trigger: string[] | null; skipped: boolean }> {
  let l = 0;
  let r = units.length;
  let loP = lo;
  let hiP = hi;
  const skipped = new Set<number>();
  while (r - l > 1) {
    const mid = (l + r) >> 1;
    const candidates = [...Array(r - l - 1).keys()]
      .map((i) => l + 1 + i)
      .filter((m) => !skipped.has(m))
      .sort((a, b) => Math.abs(a - mid) - Math.abs(b - mid));
    if (!candidates.length) return { lo: loP, hi: hiP, trigger: null, skipped: true };
    const m = candidates[0];
    const prefix = units.slice(0, m).flat();
    const p = await test(applyOptions(lo.values, hi.values, prefix), phase, units[m - 1]);
    if (p.verdict === 'skip') skipped.add(m);
    else if (p.verdict === 'bad') {
      r = m;
      hiP = p;
    } else {
      l = m;
      loP = p;
    }
    track(loP, hiP);
  }
  return { lo: loP, hi: hiP, trigger: units[l] ?? null, skipped: false };
}
