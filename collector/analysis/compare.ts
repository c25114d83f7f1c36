/**
 * What changed between two boots (a: before, b: after): troubles that appeared or
 * vanished, driver probes gained or lost, initcall and milestone time deltas. The config
 * and size parts come from config-diff.ts and size-diff.ts.
 */
import { type BootEvent, MILESTONES, type MilestoneName, type Milestones } from '../../common/types/parse.ts';
import { type CrashFacts, type KeyedFinding, keyedFindings } from './event-keys.ts';

export interface BootFacts {
  crashes: CrashFacts[];
  events: BootEvent[];
  milestones: Milestones;
  initcalls: { fn: string; usecs: number }[];
}

export interface InitcallDelta {
  fn: string;
  /** Microseconds; null when that boot did not run (or did not time) the initcall. */
  a: number | null;
  b: number | null;
  delta: number | null;
}

export interface MilestoneDelta {
  name: MilestoneName;
  a: number | null;
  b: number | null;
  /** Seconds, b − a; null unless both boots reached the stage with a time. */
  delta: number | null;
}

export interface BootComparison {
  /** In b, not in a: new crashes, errors, probe failures. */
  appeared: KeyedFinding[];
  /** In a, not in b. */
  vanished: KeyedFinding[];
  probes: { gained: string[]; lost: string[] };
  milestones: MilestoneDelta[];
  /** Initcalls in either boot, the largest absolute change first (appeared/vanished ones after). */
  initcalls: InitcallDelta[];
  initcallTotals: { a: number; b: number; delta: number };
}

const okProbes = (events: BootEvent[]) =>
  new Set(events.flatMap((e) => (e.kind === 'probe' && e.ok ? [e.driver] : [])));

/** Compares two parsed boots. */
export function compareBoots(a: BootFacts, b: BootFacts): BootComparison {
  const fa = keyedFindings(a.crashes, a.events);
  const fb = keyedFindings(b.crashes, b.events);
  const ka = new Set(fa.map((f) => f.key));
  const kb = new Set(fb.map((f) => f.key));
  const pa = okProbes(a.events);
  const pb = okProbes(b.events);

  const milestones = MILESTONES.filter((m) => m in a.milestones || m in b.milestones).map((name) => {
    const x = a.milestones[name] ?? null;
    const y = b.milestones[name] ?? null;
    return { name, a: x, b: y, delta: x != null && y != null ? round6(y - x) : null };
  });

  // A boot can run an initcall more than once (modules, retries): sum per function.
  const sum = (list: BootFacts['initcalls']) => {
    const m = new Map<string, number>();
    for (const c of list) m.set(c.fn, (m.get(c.fn) ?? 0) + c.usecs);
    return m;
  };
  const ia = sum(a.initcalls);
  const ib = sum(b.initcalls);
  const initcalls: InitcallDelta[] = [...new Set([...ia.keys(), ...ib.keys()])].map((fn) => {
    const x = ia.get(fn) ?? null;
    const y = ib.get(fn) ?? null;
    return { fn, a: x, b: y, delta: x != null && y != null ? y - x : null };
  });
  initcalls.sort(
    (x, y) =>
      Number(y.delta != null) - Number(x.delta != null) ||
      Math.abs(y.delta ?? y.b ?? y.a ?? 0) - Math.abs(x.delta ?? x.b ?? x.a ?? 0) ||
      (x.fn < y.fn ? -1 : 1),
  );
  const total = (m: Map<string, number>) => [...m.values()].reduce((s, v) => s + v, 0);

  return {
    appeared: fb.filter((f) => !ka.has(f.key)),
    vanished: fa.filter((f) => !kb.has(f.key)),
    probes: {
      gained: [...pb].filter((d) => !pa.has(d)).sort(),
      lost: [...pa].filter((d) => !pb.has(d)).sort(),
    },
    milestones,
    initcalls,
    initcallTotals: { a: total(ia), b: total(ib), delta: total(ib) - total(ia) },
  };
}

const round6 = (x: number) => Math.round(x * 1e6) / 1e6;
