/**
 * What got worse in a variant's new run against its baseline and its recent history, and
 * which earlier regressions the new run fixed. Pure: the caller loads the runs.
 */
import { isKernelOutcome, isWorseOutcome } from '../../common/outcomes.ts';
import type { RegressionKind } from '../../common/types/api.ts';
import type { BootCheck, BootOutcome, ImageSizes, Status } from '../../common/types/ingest.ts';
import type { BootEvent, MilestoneName, Milestones } from '../../common/types/parse.ts';
import { bootVerdict } from '../../common/verdict.ts';
import { type CrashFacts, keyedFindings } from './event-keys.ts';
import { judgeGrowth, type NoiseRule, type NoiseStats } from './noise.ts';

/** One build+boot of a variant, as regression detection needs it. */
export interface RunFacts {
  bootId: number | null;
  buildId: number | null;
  variant: string;
  /** ISO time the run started. */
  at: string;
  /** Null when nothing booted (the build failed or the boot was skipped). */
  outcome: BootOutcome | null;
  /** The boot's checks (marker, network, root disk...), which fail its verdict beside the outcome; absent: none. */
  checks?: BootCheck[];
  buildStatus: Status | null;
  crashes: CrashFacts[];
  events: BootEvent[];
  milestones: Milestones;
  initcalls: { fn: string; usecs: number; line?: number }[];
  sizes: ImageSizes;
  buildWallMs: number | null;
}

export type { RegressionKind };

export interface Evidence {
  line: number;
  text: string;
}

export interface Finding {
  kind: RegressionKind;
  /** Identity within the variant: the same key in a later run is the same regression. */
  key: string;
  severity: 'high' | 'medium' | 'low';
  /** One line for a person: `outcome booted → panic`, `new crash: WARNING in foo`. */
  title: string;
  /** The baseline's value (outcome, size, ...), null when the baseline lacked it. */
  was: string | number | null;
  now: string | number | null;
  /** For measurements: the value above which it alerted. */
  threshold?: number;
  stats?: NoiseStats | null;
  /** Kernel time the evidence appeared at; a later run that stops earlier proves no fix. */
  time?: number | null;
  evidence: Evidence[];
}

export interface RegressionOptions {
  /** Image-size growth that alerts: either limit exceeded (null disables it). */
  size: { metrics: (keyof ImageSizes)[]; bytes: number | null; percent: number | null };
  buildTime: NoiseRule;
  /** Seconds to `init_start`. */
  bootTime: NoiseRule;
  /** Microseconds per initcall. */
  initcall: NoiseRule & { maxReported: number };
  /** Runs of history that count (newest first). */
  historyLength: number;
}

export const DEFAULT_REGRESSION_OPTIONS: RegressionOptions = {
  size: { metrics: ['image', 'text'], bytes: 16384, percent: 1 },
  // Floors: a few history points understate the spread, and nobody acts on a 5% slower boot.
  buildTime: { k: 4, minAbs: 5000, minRel: 0.2, minHistory: 5, fallbackRel: 0.5 },
  bootTime: { k: 4, minAbs: 0.05, minRel: 0.2, minHistory: 5, fallbackRel: 0.5 },
  initcall: { k: 4, minAbs: 2000, minRel: 0.5, minHistory: 5, fallbackRel: 1, maxReported: 10 },
  historyLength: 10,
};

/** The baseline: the pinned run, else the newest run that booted, else the newest with a kernel outcome. */
export function pickBaseline(history: readonly RunFacts[], pinned?: RunFacts | null): RunFacts | null {
  if (pinned) return pinned;
  return (
    history.find((r) => r.outcome === 'booted') ?? history.find((r) => isKernelOutcome(r.outcome)) ?? null
  );
}

/** The furthest kernel time a run's console shows. */
function lastTime(r: RunFacts): number {
  let t = 0;
  for (const v of Object.values(r.milestones)) if (v != null && v > t) t = v;
  for (const e of r.events) if (e.time != null && e.time > t) t = e.time;
  for (const c of r.crashes) if (c.time != null && c.time > t) t = c.time;
  return t;
}

/** Whether `r` got far enough to have shown something first seen at `time`. */
function reached(r: RunFacts, time: number | null | undefined): boolean {
  return r.outcome === 'booted' || time == null || lastTime(r) >= time;
}

function merge(o: Partial<RegressionOptions> | undefined): RegressionOptions {
  return { ...DEFAULT_REGRESSION_OPTIONS, ...o };
}

/** Regressions of `current` against `baseline` and `history` (older runs of the variant, newest first). */
export function detectRegressions(input: {
  current: RunFacts;
  baseline: RunFacts | null;
  history: readonly RunFacts[];
  options?: Partial<RegressionOptions>;
}): Finding[] {
  const { current: cur, baseline: base } = input;
  const opts = merge(input.options);
  const history = input.history.slice(0, opts.historyLength);
  const out: Finding[] = [];
  if (!base) return out;

  if (base.buildStatus === 'PASS' && cur.buildStatus === 'FAIL') {
    out.push({
      kind: 'build',
      key: 'build',
      severity: 'high',
      title: 'build broke',
      was: 'PASS',
      now: 'FAIL',
      evidence: [],
    });
  }
  if (cur.buildStatus === 'PASS' || cur.buildStatus == null) out.push(...sizeFindings(cur, base, opts));
  if (cur.buildWallMs != null && cur.buildStatus === 'PASS') {
    // A failed build stops early: its time is no reference.
    const wall = (r: RunFacts) => (r.buildStatus === 'PASS' ? r.buildWallMs : null);
    const f = growth(
      'build_time',
      'build_time',
      'build time',
      cur.buildWallMs,
      wall(base),
      history,
      wall,
      opts.buildTime,
      'ms',
    );
    if (f) out.push(f);
  }
  // Boot comparisons need two kernel outcomes: a harness error proves nothing either way.
  if (!isKernelOutcome(cur.outcome) || !isKernelOutcome(base.outcome)) return out;

  const outcomeWorse = isWorseOutcome(base.outcome, cur.outcome);
  if (outcomeWorse) {
    const fatal = cur.crashes.find((c) => c.fatal) ?? cur.crashes[0];
    out.push({
      kind: 'outcome',
      key: 'outcome',
      severity: 'high',
      title: `outcome ${base.outcome} → ${cur.outcome}${fatal ? `: ${fatal.title}` : ''}`,
      was: base.outcome,
      now: cur.outcome,
      evidence: fatal ? [{ line: fatal.line, text: fatal.report?.[0] ?? fatal.title }] : [],
    });
  }

  // A check the baseline passed fails this boot's verdict as surely as a worse outcome would;
  // after a worse outcome, failed checks are its consequence.
  if (!outcomeWorse) {
    const passed = new Set(verdictChecks(base).flatMap((c) => (c.ok ? [c.name] : [])));
    for (const c of verdictChecks(cur)) {
      if (c.ok || !passed.delete(c.name)) continue;
      out.push({
        kind: 'check',
        key: `check:${c.name}`,
        severity: 'high',
        title: `check ${c.name} failed${c.detail ? `: ${c.detail}` : ''}`,
        was: 'ok',
        now: 'failed',
        evidence: [],
      });
    }
  }

  const known = new Set(keyedFindings(base.crashes, base.events).map((f) => f.key));
  for (const f of keyedFindings(cur.crashes, cur.events)) {
    if (known.has(f.key)) continue;
    const crash = f.cls === 'crash' || f.cls === 'warning';
    out.push({
      kind: crash ? 'crash' : 'error',
      key: f.key,
      severity: crash ? (f.fatal ? 'high' : 'medium') : f.cls === 'probe_failed' ? 'medium' : 'low',
      title: `new ${crash ? 'crash' : f.cls === 'probe_failed' ? 'probe failure' : 'error'}: ${f.title}`,
      was: null,
      now: f.title,
      time: f.time,
      evidence: [{ line: f.line, text: f.text }],
    });
  }

  // What the new run never got to is the outcome's consequence, not a loss of its own.
  const upTo = lastTime(cur);
  const stillRuns = (t: number | null | undefined) => cur.outcome === 'booted' || (t != null && t <= upTo);
  const probesNow = new Set(cur.events.flatMap((e) => (e.kind === 'probe' && e.ok ? [e.driver] : [])));
  const lost = new Map<string, BootEvent>();
  for (const e of base.events) {
    if (e.kind === 'probe' && e.ok && !probesNow.has(e.driver) && stillRuns(e.time)) lost.set(e.driver, e);
  }
  for (const [driver, e] of lost) {
    out.push({
      kind: 'probe',
      key: `probe:${driver}`,
      severity: 'medium',
      title: `driver ${driver} no longer probes`,
      was: driver,
      now: null,
      time: e.time,
      evidence: [],
    });
  }
  if (!outcomeWorse) {
    for (const [name, t] of Object.entries(base.milestones) as [MilestoneName, number | null][]) {
      if (name in cur.milestones) continue;
      out.push({
        kind: 'milestone',
        key: `milestone:${name}`,
        severity: 'medium',
        title: `milestone ${name} no longer reached`,
        was: t,
        now: null,
        time: t,
        evidence: [],
      });
    }
  }

  const init = cur.milestones.init_start;
  if (init != null) {
    const f = growth(
      'boot_time',
      'boot_time:init_start',
      'time to init',
      init,
      base.milestones.init_start ?? null,
      history,
      (r) => r.milestones.init_start ?? null,
      opts.bootTime,
      's',
    );
    if (f) out.push(f);
  }
  out.push(...initcallFindings(cur, base, history, opts));
  return out;
}

function sizeFindings(cur: RunFacts, base: RunFacts, opts: RegressionOptions): Finding[] {
  const out: Finding[] = [];
  for (const m of opts.size.metrics) {
    const now = cur.sizes[m];
    const was = base.sizes[m];
    if (now == null || was == null || now <= was) continue;
    const { threshold, over } = sizeLimit(was, now, opts);
    if (!over) continue;
    const d = now - was;
    out.push({
      kind: 'size',
      key: `size:${m}`,
      severity: 'low',
      title: `${m} size +${d} bytes (+${((d * 100) / was).toFixed(2)}%)`,
      was,
      now,
      threshold,
      evidence: [],
    });
  }
  return out;
}

/** The size above which growth over `was` alerts, and whether `now` is above it. */
function sizeLimit(was: number, now: number, opts: RegressionOptions): { threshold: number; over: boolean } {
  const limits = [
    opts.size.bytes != null ? was + opts.size.bytes : Number.POSITIVE_INFINITY,
    opts.size.percent != null ? was * (1 + opts.size.percent / 100) : Number.POSITIVE_INFINITY,
  ];
  const threshold = Math.min(...limits);
  return { threshold, over: now > threshold };
}

function growth(
  kind: RegressionKind,
  key: string,
  label: string,
  value: number,
  baseline: number | null,
  history: readonly RunFacts[],
  pick: (r: RunFacts) => number | null,
  rule: NoiseRule,
  unit: string,
): Finding | null {
  const series = history.map(pick).filter((v): v is number => v != null);
  const v = judgeGrowth(value, series, baseline, rule);
  if (!v.regressed) return null;
  const ref = v.stats
    ? `median ${fmt(v.stats.median)}${unit} of ${v.stats.n} runs`
    : `baseline ${fmt(baseline ?? 0)}${unit}`;
  return {
    kind,
    key,
    severity: 'low',
    title: `${label} ${fmt(value)}${unit} (${ref}, alert above ${fmt(v.threshold)}${unit})`,
    was: v.stats ? v.stats.median : baseline,
    now: value,
    threshold: v.threshold,
    stats: v.stats,
    evidence: [],
  };
}

function fmt(n: number): string {
  return Number.isInteger(n) ? String(n) : String(Number(n.toPrecision(4)));
}

function initcallFindings(
  cur: RunFacts,
  base: RunFacts,
  history: readonly RunFacts[],
  opts: RegressionOptions,
): Finding[] {
  if (!cur.initcalls.length) return [];
  const byFn = (r: RunFacts) => new Map(r.initcalls.map((c) => [c.fn, c.usecs]));
  const baseMap = byFn(base);
  const histMaps = history.map(byFn);
  const found: (Finding & { excess: number })[] = [];
  for (const c of cur.initcalls) {
    const series = histMaps.map((m) => m.get(c.fn)).filter((v): v is number => v != null);
    const v = judgeGrowth(c.usecs, series, baseMap.get(c.fn) ?? null, opts.initcall);
    if (!v.regressed) continue;
    found.push({
      kind: 'initcall',
      key: `initcall:${c.fn}`,
      severity: 'low',
      title: `initcall ${c.fn} ${c.usecs} us (${v.stats ? `median ${v.stats.median} us` : `baseline ${baseMap.get(c.fn)} us`})`,
      was: v.stats ? v.stats.median : (baseMap.get(c.fn) ?? null),
      now: c.usecs,
      threshold: v.threshold,
      stats: v.stats,
      evidence: c.line ? [{ line: c.line, text: `initcall ${c.fn} returned after ${c.usecs} usecs` }] : [],
      excess: c.usecs - v.threshold,
    });
  }
  found.sort((a, b) => b.excess - a.excess);
  return found.slice(0, opts.initcall.maxReported).map(({ excess: _, ...f }) => f);
}

/** Whether a run shows that an open regression is gone (false when the run cannot tell). */
export function isFixed(f: Finding, cur: RunFacts, options?: Partial<RegressionOptions>): boolean {
  const opts = merge(options);
  if (f.kind === 'build') return cur.buildStatus === 'PASS';
  if (f.kind === 'size') {
    const m = f.key.slice('size:'.length) as keyof ImageSizes;
    const now = cur.sizes[m];
    return now != null && typeof f.was === 'number' && !sizeLimit(f.was, now, opts).over;
  }
  if (f.kind === 'build_time') return cur.buildWallMs != null && cur.buildWallMs <= (f.threshold ?? 0);
  if (!isKernelOutcome(cur.outcome)) return false;
  switch (f.kind) {
    case 'outcome':
      return typeof f.was === 'string' && isKernelOutcome(f.was) && !isWorseOutcome(f.was, cur.outcome);
    case 'check': {
      const name = f.key.slice('check:'.length);
      return verdictChecks(cur).some((c) => c.ok && c.name === name);
    }
    case 'crash':
    case 'error': {
      const present = keyedFindings(cur.crashes, cur.events).some((k) => k.key === f.key);
      return !present && reached(cur, f.time);
    }
    case 'probe': {
      const driver = f.key.slice('probe:'.length);
      return cur.events.some((e) => e.kind === 'probe' && e.ok && e.driver === driver);
    }
    case 'milestone':
      return f.key.slice('milestone:'.length) in cur.milestones;
    case 'boot_time':
      return cur.milestones.init_start != null && cur.milestones.init_start <= (f.threshold ?? 0);
    case 'initcall': {
      const c = cur.initcalls.find((x) => x.fn === f.key.slice('initcall:'.length));
      return c != null && c.usecs <= (f.threshold ?? 0);
    }
    default:
      return false;
  }
}

/** The checks that count for a run's verdict: the harness's own bookkeeping never does. */
function verdictChecks(r: RunFacts): BootCheck[] {
  return (r.checks ?? []).filter((c) => !c.harness);
}

/** Whether a run passed, as the one verdict says: it booted and every check that counts held. */
function runPassed(r: RunFacts): boolean {
  return bootVerdict(r)?.status === 'PASS';
}

/**
 * The run a boot recovered from: the variant's previous kernel outcome, when this boot booted
 * and that one did not, or this one passed and that one failed a check. A variant that never
 * booted has no baseline and so no regression to fix, yet its first good boot is still news.
 */
export function recoveredFrom(current: RunFacts, history: readonly RunFacts[]): RunFacts | null {
  if (current.bootId == null || current.outcome !== 'booted') return null;
  const previous = history.find((r) => isKernelOutcome(r.outcome));
  if (!previous) return null;
  return previous.outcome !== 'booted' || (runPassed(current) && !runPassed(previous)) ? previous : null;
}

/** Splits a variant's open regressions into those the new run fixed and those still there. */
export function reviewOpen<T extends Finding>(
  open: readonly T[],
  cur: RunFacts,
  options?: Partial<RegressionOptions>,
): { fixed: T[]; still: T[] } {
  const fixed: T[] = [];
  const still: T[] = [];
  for (const f of open) (isFixed(f, cur, options) ? fixed : still).push(f);
  return { fixed, still };
}
