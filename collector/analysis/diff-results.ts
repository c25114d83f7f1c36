/** Config and size differences in the shapes the API answers (diffconfig / bloat-o-meter text included). */
import type { BloatDiff, ConfigDiffResult } from '../../common/types/api.ts';
import { diffConfigs, formatConfigDiff } from './config-diff.ts';
import { diffSizes, formatBloatOMeter, type NmSymbol, topChanges } from './size-diff.ts';

/** diffconfig between two .config texts. */
export function configDiffResult(a: string, b: string): ConfigDiffResult {
  const d = diffConfigs(a, b);
  return { ...d, text: formatConfigDiff(d) };
}

/** bloat-o-meter between two symbol tables, keeping the `limit` largest changes (by size moved). */
export function bloatDiff(oldSymbols: NmSymbol[], newSymbols: NmSymbol[], limit = 50): BloatDiff {
  const d = diffSizes(oldSymbols, newSymbols);
  // The largest moves either way, listed in bloat-o-meter's order (growth first).
  const keep = new Set(topChanges(d, limit));
  const top = d.changes.filter((c) => keep.has(c));
  const { changes: _all, ...totals } = d;
  return {
    ...totals,
    changedCount: d.changes.length,
    symbols: top,
    text: formatBloatOMeter({ ...d, changes: top }),
  };
}
