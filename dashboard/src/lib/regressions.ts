/**
 * Outcome changes along each variant's boots: a boot that failed after one that booted is
 * a regression, a boot that booted after a failure a fix. Computed from a page of boots
 * until the collector answers GET /api/regressions itself.
 */
import type { BootOutcome, BootSummary } from '$types/api.ts';
import { isKernelFailure } from './outcomes.ts';

export interface OutcomeChange {
  kind: 'regression' | 'fixed';
  variant: string;
  bootId: number;
  previousBootId: number;
  from: BootOutcome;
  to: BootOutcome;
  at: string;
  /** What failed: the crash title or the panic reason. */
  title: string | null;
}

/** Changes, newest first, from boots listed newest first. */
export function outcomeChanges(boots: readonly BootSummary[]): OutcomeChange[] {
  const byVariant = new Map<string, BootSummary[]>();
  for (const b of boots) {
    if (!b.variant || b.state !== 'finished' || !b.outcome || b.outcome === 'error') continue;
    const list = byVariant.get(b.variant) ?? [];
    list.push(b);
    byVariant.set(b.variant, list);
  }
  const out: OutcomeChange[] = [];
  for (const [variant, list] of byVariant) {
    // `list` is newest first: compare each boot with the one before it in time.
    for (let i = 0; i < list.length - 1; i++) {
      const now = list[i];
      const before = list[i + 1];
      const failed = isKernelFailure(now.outcome);
      const wasFailing = isKernelFailure(before.outcome);
      if (failed === wasFailing) continue;
      out.push({
        kind: failed ? 'regression' : 'fixed',
        variant,
        bootId: now.id,
        previousBootId: before.id,
        from: before.outcome!,
        to: now.outcome!,
        at: now.startedAt,
        title: failed ? (now.firstCrash ?? now.panic?.reason ?? null) : null,
      });
    }
  }
  return out.sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : b.bootId - a.bootId));
}
