/**
 * What changed between two boots, in GET /api/compare's shape: config (scripts/diffconfig's
 * reading), troubles that appeared or vanished, probes, initcall and milestone deltas.
 * Pure functions over two boot details, for a collector that does not answer /api/compare.
 */
import type {
  BloatDiff,
  BootDetail,
  BootSummary,
  BuildDetail,
  CompareResponse,
  SizeDiff,
  TroubleItem,
} from '$types/api.ts';
import { type BootEvent, MILESTONES, type MilestoneName } from '$types/parse.ts';

export interface ConfigChange {
  option: string;
  old: string | null;
  new: string | null;
}

export interface ConfigDiff {
  removed: ConfigChange[];
  changed: ConfigChange[];
  added: ConfigChange[];
}

/** Option values of a .config the way diffconfig reads them: `# CONFIG_X is not set` is `n`. */
export function readConfig(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const raw of text.split('\n')) {
    const line = raw.replace(/\r$/, '');
    if (line.startsWith('CONFIG_')) {
      const eq = line.indexOf('=');
      if (eq > 0) out.set(line.slice(0, eq), line.slice(eq + 1));
    } else if (line.startsWith('# CONFIG_') && line.endsWith(' is not set')) {
      out.set(line.slice(2, -' is not set'.length), 'n');
    }
  }
  return out;
}

const byName = (x: ConfigChange, y: ConfigChange) => (x.option < y.option ? -1 : x.option > y.option ? 1 : 0);

/** Removed, changed and added options from config `a` to config `b`, each sorted by name. */
export function diffConfig(a: string, b: string): ConfigDiff {
  const va = readConfig(a);
  const vb = readConfig(b);
  const d: ConfigDiff = { removed: [], changed: [], added: [] };
  for (const [option, old] of va) {
    const now = vb.get(option);
    if (now === undefined) d.removed.push({ option, old, new: null });
    else if (now !== old) d.changed.push({ option, old, new: now });
  }
  for (const [option, now] of vb) if (!va.has(option)) d.added.push({ option, old: null, new: now });
  d.removed.sort(byName);
  d.changed.sort(byName);
  d.added.sort(byName);
  return d;
}

/** The diff as scripts/diffconfig prints it. */
export function formatDiffconfig(d: ConfigDiff): string {
  const short = (o: string) => o.replace(/^CONFIG_/, '');
  return [
    ...d.removed.map((c) => `-${short(c.option)} ${c.old}`),
    ...d.changed.map((c) => ` ${short(c.option)} ${c.old} -> ${c.new}`),
    ...d.added.map((c) => `+${short(c.option)} ${c.new}`),
  ].join('\n');
}

/** Troubles in a boot, keyed so the same one is recognised in another boot: crashes, errors, failed probes. */
export function troubles(boot: BootDetail): TroubleItem[] {
  const out = new Map<string, TroubleItem>();
  for (const c of boot.crashes) {
    const key = `crash:${c.title}`;
    if (!out.has(key))
      out.set(key, {
        key,
        cls: c.kind === 'warning' ? 'warning' : 'crash',
        title: c.title,
        line: c.line,
        time: c.time,
        text: c.report[0] ?? c.title,
        fatal: c.fatal,
      });
  }
  // A line the parser also read as a mount, exec or probe failure says nothing more as a generic error.
  const specific = new Set(
    boot.events
      .filter((e) => e.kind === 'mount_failed' || e.kind === 'init_exec' || e.kind === 'probe')
      .map((e) => e.line),
  );
  for (const e of boot.events) {
    if (e.kind === 'error' && specific.has(e.line)) continue;
    const t = troubleOf(e);
    if (!t || out.has(t.key)) continue;
    out.set(t.key, { ...t, line: e.line, time: e.time, fatal: false });
  }
  return [...out.values()];
}

/** Run-specific numbers and addresses masked: the same message in two boots has the same key. */
const mask = (s: string) =>
  s
    .replace(/0x[0-9a-f]+/gi, '0x…')
    .replace(/\d+/g, 'N')
    .replace(/\s+/g, ' ')
    .trim();

function troubleOf(e: BootEvent): Omit<TroubleItem, 'line' | 'time' | 'fatal'> | null {
  switch (e.kind) {
    case 'error':
    case 'kernel_error':
      return { key: `${e.kind}:${mask(e.message)}`, cls: 'error', title: mask(e.message), text: e.message };
    case 'mount_failed': {
      const what = `${e.fstype ?? e.source ?? '?'} on ${e.target ?? '?'}`;
      return {
        key: `mount_failed:${what}:${e.errnoName ?? e.errno ?? ''}`,
        cls: 'error',
        title: `mount ${what} failed${e.errnoName ? ` (${e.errnoName})` : ''}`,
        text: e.message,
      };
    }
    case 'init_exec':
      if (e.errno == null || e.implied) return null;
      return {
        key: `init_exec:${e.path}:${e.errnoName ?? e.errno}`,
        cls: 'error',
        title: `cannot execute ${e.path} (${e.errnoName ?? e.errno})`,
        text: e.message,
      };
    case 'missing_config':
      return {
        key: `missing_config:${e.option}`,
        cls: 'error',
        title: `${e.option} not set`,
        text: e.message,
      };
    case 'probe':
      if (e.ok) return null;
      return {
        key: `probe_failed:${e.driver}:${e.errnoName ?? e.errno ?? ''}`,
        cls: 'probe_failed',
        title: `${e.driver}: probe failed${e.errnoName ? ` (${e.errnoName})` : ''}`,
        text: e.message,
      };
    default:
      return null;
  }
}

/** Drivers that probed fine. */
const okProbes = (b: BootDetail) =>
  new Set(b.events.flatMap((e) => (e.kind === 'probe' && e.ok ? [e.driver] : [])));

/** bloat-o-meter's shape from the collector's per-build size diff. */
export function fromSizeDiff(d: SizeDiff): BloatDiff {
  return {
    added: d.added,
    removed: d.removed,
    grown: d.grown,
    shrunk: d.shrunk,
    up: d.symbols.filter((s) => s.delta > 0).reduce((n, s) => n + s.delta, 0),
    down: d.symbols.filter((s) => s.delta < 0).reduce((n, s) => n + s.delta, 0),
    oldTotal: d.total.old,
    newTotal: d.total.new,
    changedCount: d.symbols.length,
    symbols: d.symbols.map((s) => ({ ...s, old: s.old || null, new: s.new || null })),
    text: '',
  };
}

/**
 * GET /api/compare's answer, composed in the browser from two boot details, their builds
 * and the per-build size diff: for a collector without the compare route.
 */
export function composeCompare(
  a: BootDetail,
  b: BootDetail,
  buildA: BuildDetail | null,
  buildB: BuildDetail | null,
  size: SizeDiff | null,
): CompareResponse {
  const ta = troubles(a);
  const tb = troubles(b);
  const ka = new Set(ta.map((t) => t.key));
  const kb = new Set(tb.map((t) => t.key));
  const pa = okProbes(a);
  const pb = okProbes(b);
  const config =
    buildA?.config != null && buildB?.config != null ? diffConfig(buildA.config, buildB.config) : null;
  const initcalls = diffInitcalls(a, b);
  const total = (list: BootDetail['initcalls']) => list.reduce((n, c) => n + c.usecs, 0);
  return {
    a: a as BootSummary,
    b: b as BootSummary,
    aChosen: 'given',
    config: config && { ...config, text: formatDiffconfig(config) },
    size: size && fromSizeDiff(size),
    appeared: tb.filter((t) => !ka.has(t.key)),
    vanished: ta.filter((t) => !kb.has(t.key)),
    probes: {
      gained: [...pb].filter((d) => !pa.has(d)).sort(),
      lost: [...pa].filter((d) => !pb.has(d)).sort(),
    },
    milestones: diffMilestones(a, b),
    initcalls,
    initcallTotals: {
      a: total(a.initcalls),
      b: total(b.initcalls),
      delta: total(b.initcalls) - total(a.initcalls),
    },
  };
}

export interface MilestoneDelta {
  name: MilestoneName;
  a: number | null;
  b: number | null;
  /** b − a in seconds; null unless both have a time. */
  delta: number | null;
}

export function diffMilestones(a: BootDetail, b: BootDetail): MilestoneDelta[] {
  return MILESTONES.filter((m) => m in a.milestones || m in b.milestones).map((name) => {
    const x = a.milestones[name] ?? null;
    const y = b.milestones[name] ?? null;
    return { name, a: x, b: y, delta: x != null && y != null ? y - x : null };
  });
}

export interface InitcallDelta {
  fn: string;
  a: number | null;
  b: number | null;
  delta: number | null;
}

/** Initcall time changes by function, largest change first; calls only one side ran listed too. */
export function diffInitcalls(a: BootDetail, b: BootDetail): InitcallDelta[] {
  const sum = (list: BootDetail['initcalls']) => {
    const m = new Map<string, number>();
    for (const c of list) m.set(c.fn, (m.get(c.fn) ?? 0) + c.usecs);
    return m;
  };
  const ma = sum(a.initcalls);
  const mb = sum(b.initcalls);
  const out: InitcallDelta[] = [];
  for (const fn of new Set([...ma.keys(), ...mb.keys()])) {
    const x = ma.get(fn) ?? null;
    const y = mb.get(fn) ?? null;
    out.push({ fn, a: x, b: y, delta: x != null && y != null ? y - x : null });
  }
  const weight = (d: InitcallDelta) => (d.delta != null ? Math.abs(d.delta) : (d.a ?? d.b ?? 0));
  return out.sort((p, q) => weight(q) - weight(p));
}
