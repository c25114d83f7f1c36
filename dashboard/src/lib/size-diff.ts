/** Size differences in bloat-o-meter's shape, whichever API answered them. */
import type { BloatDiff, SizeDiff } from '$types/api.ts';

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
