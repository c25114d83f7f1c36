/**
 * Regressions as GET /api/regressions lists them; for a collector without that route, the
 * outcome changes along each variant's boots stand in: a failure after a boot that booted
 * opens one, a boot that booted after failures fixes it.
 */
import type { BootSummary, RegressionItem } from '$types/api.ts';
import { isKernelFailure } from './outcomes.ts';

/** Outcome regressions (open or fixed), newest first, from boots listed newest first. */
export function outcomeRegressions(boots: readonly BootSummary[]): RegressionItem[] {
  const byVariant = new Map<string, BootSummary[]>();
  for (const b of boots) {
    if (!b.variant || b.state !== 'finished' || !b.outcome || b.outcome === 'error') continue;
    const list = byVariant.get(b.variant) ?? [];
    list.push(b);
    byVariant.set(b.variant, list);
  }
  const out: RegressionItem[] = [];
  for (const [variant, list] of byVariant) {
    const oldestFirst = [...list].reverse();
    let open: RegressionItem | null = null;
    for (let i = 1; i < oldestFirst.length; i++) {
      const before = oldestFirst[i - 1];
      const now = oldestFirst[i];
      if (!open && isKernelFailure(now.outcome) && !isKernelFailure(before.outcome)) {
        open = {
          id: -now.id,
          variant,
          key: 'outcome',
          kind: 'outcome',
          severity: 'high',
          title: `outcome ${before.outcome} → ${now.outcome}`,
          status: 'open',
          bootId: now.id,
          buildId: now.buildId,
          baselineBootId: before.id,
          baselineBuildId: before.buildId,
          was: before.outcome,
          now: now.outcome,
          threshold: null,
          stats: null,
          evidence: now.panic ? [{ line: now.panic.line, text: now.firstCrash ?? now.panic.reason }] : [],
          detectedAt: now.startedAt,
          fixedBootId: null,
          fixedBuildId: null,
          fixedAt: null,
        };
        out.push(open);
      } else if (open && !isKernelFailure(now.outcome)) {
        open.status = 'fixed';
        open.fixedBootId = now.id;
        open.fixedBuildId = now.buildId;
        open.fixedAt = now.startedAt;
        open = null;
      }
    }
  }
  return out.sort((x, y) => (x.detectedAt < y.detectedAt ? 1 : x.detectedAt > y.detectedAt ? -1 : 0));
}
