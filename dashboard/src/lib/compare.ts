/**
 * What changed between two boots: config (scripts/diffconfig's reading), events that
 * appeared or vanished, initcall and milestone deltas. Pure functions over two boot details.
 */
import type { BootDetail } from '$types/api.ts';
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

export interface EventChange {
  kind: BootEvent['kind'];
  /** What the event says, without addresses: the same across runs. */
  text: string;
  /** How many more (appeared) or fewer (vanished) times B has it than A. */
  count: number;
  /** A line in the boot that has it (B for appeared, A for vanished). */
  line: number;
  bad: boolean;
}

function eventText(e: BootEvent): string {
  switch (e.kind) {
    case 'probe':
      return `${e.driver} ${e.device}: ${e.ok ? 'probed' : `probe failed${e.errnoName ? ` ${e.errnoName}` : ''}`}`;
    case 'userspace':
      return e.text;
    case 'milestone':
      return e.name;
    default:
      return e.message;
  }
}

function isBad(e: BootEvent): boolean {
  if (e.kind === 'probe') return !e.ok;
  if (e.kind === 'init_exec') return e.errno != null;
  return (
    e.kind === 'error' ||
    e.kind === 'mount_failed' ||
    e.kind === 'kernel_error' ||
    e.kind === 'missing_config'
  );
}

/** Addresses and pointers differ every run; they must not make an event "new". */
const normalise = (s: string) =>
  s
    .replace(/0x[0-9a-f]+/gi, '0x…')
    .replace(/\s+/g, ' ')
    .trim();

const RANK: Record<string, number> = {
  error: 0,
  kernel_error: 1,
  mount_failed: 2,
  init_exec: 3,
  missing_config: 4,
  probe: 5,
  userspace: 7,
};

/** Events in B and not in A (appeared), in A and not in B (vanished); milestones are compared apart. */
export function diffEvents(
  a: BootEvent[],
  b: BootEvent[],
): { appeared: EventChange[]; vanished: EventChange[] } {
  type Tally = {
    kind: BootEvent['kind'];
    text: string;
    a: number;
    b: number;
    lineA: number;
    lineB: number;
    bad: boolean;
  };
  const tally = new Map<string, Tally>();
  const add = (e: BootEvent, side: 'a' | 'b') => {
    if (e.kind === 'milestone') return;
    const text = normalise(eventText(e));
    const key = `${e.kind}\u0000${text}`;
    let t = tally.get(key);
    if (!t) {
      t = { kind: e.kind, text, a: 0, b: 0, lineA: 0, lineB: 0, bad: isBad(e) };
      tally.set(key, t);
    }
    t[side]++;
    if (side === 'a' && !t.lineA) t.lineA = e.line;
    if (side === 'b' && !t.lineB) t.lineB = e.line;
  };
  for (const e of a) add(e, 'a');
  for (const e of b) add(e, 'b');
  const appeared: EventChange[] = [];
  const vanished: EventChange[] = [];
  for (const t of tally.values()) {
    if (t.b > t.a) appeared.push({ kind: t.kind, text: t.text, count: t.b - t.a, line: t.lineB, bad: t.bad });
    if (t.a > t.b) vanished.push({ kind: t.kind, text: t.text, count: t.a - t.b, line: t.lineA, bad: t.bad });
  }
  const order = (x: EventChange, y: EventChange) =>
    Number(y.bad) - Number(x.bad) || (RANK[x.kind] ?? 6) - (RANK[y.kind] ?? 6) || x.line - y.line;
  return { appeared: appeared.sort(order), vanished: vanished.sort(order) };
}

export interface MilestoneDelta {
  name: MilestoneName;
  a: number | null | undefined;
  b: number | null | undefined;
  /** b − a in seconds; null unless both have a time. */
  delta: number | null;
}

export function diffMilestones(a: BootDetail, b: BootDetail): MilestoneDelta[] {
  return MILESTONES.filter((m) => m in a.milestones || m in b.milestones).map((name) => {
    const x = a.milestones[name];
    const y = b.milestones[name];
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
