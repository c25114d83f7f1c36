/**
 * Config bisection: which option(s) of the difference between a good and a bad .config
 * flip the boot, like ktest.pl's config bisect but aware of Kconfig. Every candidate is
 * resolved (olddefconfig) before it is judged, because options appear and vanish by
 * dependency; a resolved config is built at most once (cache by hash). The search tries
 * the parser's diagnosis hints first, then whole fragments, then single options, each as a
 * binary search over an ordered prefix of the changes (dependencies first), so one culprit
 * among N options costs at most ⌈log2 N⌉ builds plus the two endpoints when their outcome
 * is unknown. Resumable: the state (inputs, resolutions, verdicts) is plain JSON and a
 * re-run replays it without building anything twice.
 */

import type {
  BisectReport as ApiBisectReport,
  BisectStep as ApiBisectStep,
  BisectCulprit,
} from '../../common/types/api.ts';
import {
  applyOptions,
  closure,
  differingOptions,
  type EncodedFragment,
  fragmentUnits,
  orderOptions,
  type Phase,
  type Point,
  rankBy,
  search,
  type Verdict,
} from './bisect-search.ts';
import { type ConfigValues, configHash } from './config-diff.ts';

export { differingOptions, orderOptions, type Phase, type Verdict };

/** What building and booting one config showed. */
export interface Evaluation {
  verdict: Verdict;
  /** One line: `booted`, `panic: kernel panic: ...`, `build failed`. */
  outcome: string;
  /** Options the diagnosis suggests, best first (used from the bad endpoint). */
  hints?: string[];
  buildId?: number | null;
  bootId?: number | null;
}

export interface Fragment {
  name: string;
  values: ConfigValues;
}

export interface BisectInput {
  good: ConfigValues;
  bad: ConfigValues;
  goodFragments?: Fragment[];
  badFragments?: Fragment[];
  /** Options to test first (full names), best first. */
  hints?: string[];
  /** Outcomes already known (a stored build and boot): those endpoints are not rebuilt. */
  known?: { good?: Evaluation; bad?: Evaluation };
  maxBuilds?: number;
  /** Hinted options tested one by one before bisecting. */
  maxHintTests?: number;
  /** After a bisection, check that the culprit alone breaks the good config, and look for partners. */
  confirm?: boolean;
}

export interface BisectDeps {
  /** olddefconfig: the config Kconfig really makes of the requested values. */
  resolve: (values: ConfigValues) => Promise<ConfigValues>;
  /** Builds and boots a resolved config. */
  evaluate: (values: ConfigValues, ctx: { step: number; hash: string; phase: Phase }) => Promise<Evaluation>;
  /** Direct Kconfig dependencies of an option (full names), for ordering and for hint tests. */
  dependsOn?: (option: string) => string[];
  /** Called with the state after every step: persist it to resume. */
  onStep?: (state: BisectState, step: BisectStep) => void | Promise<void>;
}

// Steps, culprits and reports are what the collector stores and the dashboard shows: defined once, in the API types.
export type BisectStep = ApiBisectStep;
export type Culprit = BisectCulprit;
export type BisectReport = ApiBisectReport;

type Encoded = [string, string | null][];

export interface BisectState {
  version: 1;
  input: {
    good: Encoded;
    bad: Encoded;
    goodFragments?: EncodedFragment[];
    badFragments?: EncodedFragment[];
    hints: string[];
    known: { good?: Evaluation; bad?: Evaluation };
    maxBuilds: number;
    maxHintTests: number;
    confirm: boolean;
  };
  /** requested hash → resolved hash. */
  resolved: Record<string, string>;
  /** resolved hash → its values as changes against the good endpoint. */
  configs: Record<string, Encoded>;
  /** resolved hash → verdict, and the step that built it (0 when known beforehand). */
  verdicts: Record<string, Evaluation & { step: number }>;
  steps: BisectStep[];
  builds: number;
  report: BisectReport | null;
}

class BudgetExhausted extends Error {}

const enc = (v: ConfigValues): Encoded => [...v].sort((a, b) => (a[0] < b[0] ? -1 : 1));
const dec = (e: Encoded): ConfigValues => new Map(e.filter((x): x is [string, string] => x[1] != null));

/** A fresh state for the inputs. */
export function initialState(input: BisectInput): BisectState {
  const fr = (f?: Fragment[]) => f?.map((x) => ({ name: x.name, values: enc(x.values) }));
  return {
    version: 1,
    input: {
      good: enc(input.good),
      bad: enc(input.bad),
      goodFragments: fr(input.goodFragments),
      badFragments: fr(input.badFragments),
      hints: input.hints ?? [],
      known: input.known ?? {},
      maxBuilds: input.maxBuilds ?? 24,
      maxHintTests: input.maxHintTests ?? 3,
      confirm: input.confirm ?? false,
    },
    resolved: {},
    configs: {},
    verdicts: {},
    steps: [],
    builds: 0,
    report: null,
  };
}

/** Runs (or resumes, given a saved state) a bisection to its report. */
export async function bisect(
  inputOrState: BisectInput | BisectState,
  deps: BisectDeps,
): Promise<{ report: BisectReport; state: BisectState }> {
  const state = 'version' in inputOrState ? inputOrState : initialState(inputOrState);
  const inp = state.input;
  const good = dec(inp.good);
  const bad = dec(inp.bad);
  // Replay: steps are re-derived from the saved resolutions and verdicts.
  state.steps = [];
  state.report = null;

  const toGood = (v: ConfigValues): Encoded => {
    const out: Encoded = [];
    for (const o of differingOptions(good, v)) out.push([o, v.get(o) ?? null]);
    return out;
  };
  const fromGood = (e: Encoded): ConfigValues => {
    const v = new Map(good);
    for (const [o, x] of e) x == null ? v.delete(o) : v.set(o, x);
    return v;
  };

  const test = async (values: ConfigValues, phase: Phase, tried: string[]): Promise<Point> => {
    const req = configHash(values);
    let hash = state.resolved[req];
    let resolved: ConfigValues;
    if (hash && state.configs[hash]) resolved = fromGood(state.configs[hash]);
    else {
      resolved = await deps.resolve(values);
      hash = configHash(resolved);
      state.resolved[req] = hash;
      state.configs[hash] ??= toGood(resolved);
    }
    const n = state.steps.length + 1;
    let v = state.verdicts[hash];
    if (!v) {
      if (state.builds >= inp.maxBuilds) throw new BudgetExhausted();
      v = { ...(await deps.evaluate(resolved, { step: n, hash, phase })), step: n };
      state.verdicts[hash] = v;
      state.builds++;
    }
    const step: BisectStep = {
      n,
      phase,
      tried,
      hash,
      distance: state.configs[hash].length,
      verdict: v.verdict,
      outcome: v.outcome,
      built: v.step === n,
      buildId: v.buildId ?? null,
      bootId: v.bootId ?? null,
    };
    state.steps.push(step);
    await deps.onStep?.(state, step);
    return { values: resolved, hash, verdict: v.verdict };
  };

  const culprits: Culprit[] = [];
  const differing = differingOptions(good, bad).length;
  let lastGood: Point | null = null;
  let firstBad: Point | null = null;
  const finish = (status: BisectReport['status'], message: string, suspects: string[] = []) => {
    state.report = {
      status,
      message,
      culprits,
      suspects,
      steps: state.steps,
      builds: state.builds,
      differing,
      lastGood: lastGood?.hash ?? null,
      firstBad: firstBad?.hash ?? null,
    };
    return { report: state.report, state };
  };
  const culprit = (
    o: string,
    via: Culprit['via'],
    confirmed: boolean,
    lo: ConfigValues,
    hi: ConfigValues,
  ) => {
    const withIt = differingOptions(lo, hi).filter((x) => x !== o);
    culprits.push({
      option: o,
      good: good.get(o) ?? null,
      bad: bad.get(o) ?? null,
      via,
      confirmed,
      with: withIt,
    });
  };

  try {
    // Endpoints: known outcomes seed the cache; unknown ones are built once.
    const endpoint = async (values: ConfigValues, name: 'good' | 'bad'): Promise<Point> => {
      const known = inp.known[name];
      if (known) {
        const req = configHash(values);
        const resolved = state.resolved[req]
          ? fromGood(state.configs[state.resolved[req]])
          : await deps.resolve(values);
        const hash = configHash(resolved);
        state.resolved[req] = hash;
        state.configs[hash] ??= toGood(resolved);
        state.verdicts[hash] ??= { ...known, step: 0 };
      }
      return test(values, 'endpoint', [name]);
    };
    const g = await endpoint(good, 'good');
    const b = await endpoint(bad, 'bad');
    if (g.verdict !== 'good' || b.verdict !== 'bad') {
      return finish(
        'bad_endpoints',
        `the good side is ${g.verdict} and the bad side is ${b.verdict}: nothing to bisect`,
      );
    }
    if (g.hash === b.hash) return finish('bad_endpoints', 'both sides resolve to the same config');
    lastGood = g;
    firstBad = b;
    const track = (l: Point, h: Point) => {
      lastGood = l;
      firstBad = h;
    };

    // Hints first: each hinted option alone (with the dependencies it needs) on the good config.
    const diff = new Set(differingOptions(g.values, b.values));
    const hints = [...new Set([...inp.hints, ...(state.verdicts[b.hash].hints ?? [])])].filter((h) =>
      diff.has(h),
    );
    for (const h of hints.slice(0, inp.maxHintTests)) {
      const withDeps = closure([h], diff, b.values, deps.dependsOn);
      const p = await test(applyOptions(g.values, b.values, withDeps), 'hint', withDeps);
      if (p.verdict === 'bad') {
        culprit(h, 'hint', true, g.values, p.values);
        firstBad = p;
      }
    }
    if (culprits.length)
      return finish('found', `${culprits.map((c) => c.option).join(', ')} (diagnosis hint, confirmed)`);

    let lo = g;
    let hi = b;
    // Whole fragments next, when the sides differ by more than one.
    const units = fragmentUnits(inp.goodFragments, inp.badFragments, diff);
    if (units.length > 1) {
      const r = await search(lo, hi, units, 'fragment', test, track);
      if (r.skipped)
        return finish('not_found', 'every fragment step was skipped', differingOptions(lo.values, hi.values));
      ({ lo, hi } = r);
    }

    const rank = rankBy(hints, units);
    const narrow = async (from: Point, to: Point) => {
      for (;;) {
        const d = differingOptions(from.values, to.values);
        if (d.length <= 1) return { lo: from, hi: to, left: d, trigger: d[0] ?? null };
        const order = orderOptions(d, rank, deps.dependsOn);
        const r = await search(
          from,
          to,
          order.map((o) => [o]),
          'option',
          test,
          track,
        );
        const left = differingOptions(r.lo.values, r.hi.values);
        if (r.skipped || left.length >= d.length)
          return { lo: r.lo, hi: r.hi, left, trigger: r.trigger?.[0] ?? null };
        ({ lo: from, hi: to } = r);
      }
    };
    const r = await narrow(lo, hi);
    lastGood = r.lo;
    firstBad = r.hi;
    if (!r.trigger) return finish('not_found', 'could not narrow the difference down', r.left);
    if (!inp.confirm) {
      culprit(r.trigger, 'bisect', r.left.length === 1 && r.lo.hash === g.hash, r.lo.values, r.hi.values);
      return finish(
        'found',
        `${r.trigger} flips the boot (${r.left.length} option(s) changed in the last step)`,
      );
    }

    // Confirmation: the culprits alone on the good config; if that boots, find their partners.
    const found = [r.trigger];
    let knownBad = r.hi;
    for (;;) {
      const set = closure(found, diff, b.values, deps.dependsOn);
      const p = await test(applyOptions(g.values, b.values, set), 'confirm', set);
      if (p.verdict === 'skip') {
        for (const o of found) culprit(o, 'bisect', false, r.lo.values, r.hi.values);
        return finish(
          'found',
          `${found.join(' + ')} flip the boot; the check on the good config was skipped`,
        );
      }
      if (p.verdict === 'bad') {
        for (const o of found) culprit(o, 'bisect', true, g.values, p.values);
        firstBad = p;
        return finish(
          'found',
          `${found.join(' + ')} ${found.length > 1 ? 'together break' : 'breaks'} the good config`,
        );
      }
      const next = await narrow(p, knownBad);
      if (!next.trigger || found.includes(next.trigger)) {
        for (const o of found) culprit(o, 'bisect', false, r.lo.values, r.hi.values);
        return finish('found', `${found.join(' + ')} flip the boot only with other changes`, next.left);
      }
      found.push(next.trigger);
      knownBad = next.hi;
    }
  } catch (err) {
    if (!(err instanceof BudgetExhausted)) throw err;
    const suspects = lastGood && firstBad ? differingOptions(lastGood.values, firstBad.values) : [];
    return finish('budget', `build budget of ${inp.maxBuilds} spent`, suspects);
  }
}
