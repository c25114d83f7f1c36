/**
 * Per-symbol size differences between two builds with the semantics of the kernel's
 * scripts/bloat-o-meter: same filters, `.NUMBER` suffixes stripped from static and
 * compiler-cloned symbols, sizes of equal names summed, the same totals and order.
 */
import type { BloatSymbol, BloatTotals } from '../../common/types/api.ts';
import { byCodePoint } from './config-diff.ts';

export interface NmSymbol {
  name: string;
  /** nm type letter. */
  type: string;
  size: number;
}

/** Symbol types bloat-o-meter counts by default (`-c` splits them into these groups). */
export const SYMBOL_GROUPS = { all: 'tTdDbBrR', text: 'tT', data: 'dDbB', rodata: 'rR' } as const;

/** One symbol's change; `old`/`new` null when a build lacks it (bloat-o-meter prints `-`). */
export type SymbolChange = BloatSymbol;

export interface SizeDiffResult extends BloatTotals {
  /** Every symbol that changed (delta ≠ 0), largest growth first, like bloat-o-meter. */
  changes: SymbolChange[];
}

const NUMBER_SUFFIX = /\.[0-9]+/g;

/** Generated symbols bloat-o-meter leaves out. */
function isGenerated(name: string): boolean {
  return (
    name.startsWith('__mod_') ||
    name.startsWith('__se_sys') ||
    name.startsWith('__se_compat_sys') ||
    name.startsWith('__addressable_') ||
    name === 'linux_banner' ||
    name === 'vermagic'
  );
}

/** Reads `nm --size-sort` (`size type name`) or `nm --size-sort -S` (`addr size type name`) output. */
export function parseNmOutput(text: string): NmSymbol[] {
  const out: NmSymbol[] = [];
  for (const line of text.split('\n')) {
    // bloat-o-meter skips `file.o:` headers of archives the same way.
    if (!line.trim() || line.includes(':')) continue;
    const f = line.trim().split(/\s+/);
    const [size, type, name] = f.length >= 4 ? f.slice(1) : f;
    if (name === undefined || !/^[0-9a-fA-F]+$/.test(size) || type.length !== 1) continue;
    out.push({ name, type, size: Number.parseInt(size, 16) });
  }
  return out;
}

interface Sized {
  size: number;
  type: string;
}

/** Sizes by bloat-o-meter name: filtered by type, generated symbols dropped, `.N` stripped, summed. */
function symbolSizes(symbols: Iterable<NmSymbol>, types: string = SYMBOL_GROUPS.all): Map<string, Sized> {
  const out = new Map<string, Sized>();
  for (const s of symbols) {
    if (!types.includes(s.type) || isGenerated(s.name)) continue;
    const name = s.name.replace(NUMBER_SUFFIX, '');
    const cur = out.get(name);
    if (cur) cur.size += s.size;
    else out.set(name, { size: s.size, type: s.type });
  }
  return out;
}

/** bloat-o-meter's comparison of two builds' symbols. */
export function diffSizes(
  oldSymbols: Iterable<NmSymbol>,
  newSymbols: Iterable<NmSymbol>,
  types: string = SYMBOL_GROUPS.all,
): SizeDiffResult {
  const old = symbolSizes(oldSymbols, types);
  const now = symbolSizes(newSymbols, types);
  const r: SizeDiffResult = {
    added: 0,
    removed: 0,
    grown: 0,
    shrunk: 0,
    up: 0,
    down: 0,
    oldTotal: 0,
    newTotal: 0,
    changes: [],
  };
  for (const [name, o] of old) {
    r.oldTotal += o.size;
    const n = now.get(name);
    if (!n) {
      r.removed++;
      r.down += o.size;
      r.changes.push({ name, type: o.type, old: o.size, new: null, delta: -o.size });
      continue;
    }
    const d = n.size - o.size;
    if (d > 0) {
      r.grown++;
      r.up += d;
    } else if (d < 0) {
      r.shrunk++;
      r.down -= d;
    }
    if (d !== 0) r.changes.push({ name, type: n.type, old: o.size, new: n.size, delta: d });
  }
  for (const [name, n] of now) {
    r.newTotal += n.size;
    if (old.has(name)) continue;
    r.added++;
    r.up += n.size;
    r.changes.push({ name, type: n.type, old: null, new: n.size, delta: n.size });
  }
  // Python sorts (delta, name) tuples and reverses: largest delta first, ties by name descending.
  r.changes.sort((a, b) => b.delta - a.delta || byCodePoint(b.name, a.name));
  return r;
}

/** The percentage with Python's `%+.2f` (round half to even on the exact binary value). */
export function formatPercent(x: number): string {
  const sign = x < 0 || Object.is(x, -0) ? '-' : '+';
  // toFixed(100) is the exact decimal expansion for the magnitudes we meet.
  const exact = Math.abs(x).toFixed(100);
  const [int, frac] = exact.split('.');
  let cents = BigInt(int + frac.slice(0, 2));
  const rest = frac.slice(2);
  const half = '5'.padEnd(rest.length, '0');
  if (rest > half || (rest === half && cents % 2n === 1n)) cents += 1n;
  const s = cents.toString().padStart(3, '0');
  return `${sign}${s.slice(0, -2)}.${s.slice(-2)}`;
}

const pad = (s: string | number, w: number, left = false) =>
  left ? String(s).padEnd(w) : String(s).padStart(w);
const signed = (n: number) => (n >= 0 ? `+${n}` : String(n));

/** The report as bloat-o-meter prints it, with `label` as the column title (`Function`). */
export function formatBloatOMeter(r: SizeDiffResult, label = 'Function'): string {
  const lines = [
    `add/remove: ${r.added}/${r.removed} grow/shrink: ${r.grown}/${r.shrunk} up/down: ${r.up}/${r.down ? -r.down : 0} (${r.up - r.down})`,
    `${pad(label, 40, true)} ${pad('old', 7)} ${pad('new', 7)} ${pad('delta', 7)}`,
  ];
  for (const c of r.changes) {
    lines.push(
      `${pad(c.name, 40, true)} ${pad(c.old ?? '-', 7)} ${pad(c.new ?? '-', 7)} ${pad(signed(c.delta), 7)}`,
    );
  }
  const percent = r.oldTotal ? ((r.newTotal - r.oldTotal) * 100.0) / r.oldTotal : 0;
  lines.push(`Total: Before=${r.oldTotal}, After=${r.newTotal}, chg ${formatPercent(percent)}%`);
  return `${lines.join('\n')}\n`;
}

/** The symbols that moved most, growth and shrinkage alike. */
export function topChanges(r: SizeDiffResult, n = 10): SymbolChange[] {
  return [...r.changes]
    .sort((a, b) => Math.abs(b.delta) - Math.abs(a.delta) || byCodePoint(a.name, b.name))
    .slice(0, n);
}
