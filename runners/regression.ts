/**
 * The regression hook of `bootwatch run`: did a boot get worse than its baseline? The
 * default engine compares each variant with its `baseline:` variant in the same run and
 * with the last stored boot of the same variant; `run` passes the collector-backed engine
 * (report/run-hook.ts) to runMatrix instead.
 */
import { isWorseOutcome } from '../common/outcomes.ts';
import type { BootOutcome } from '../common/types/ingest.ts';
import type { CollectorClient } from './collector-client.ts';

export interface RunOutcome {
  variant: string;
  baseline: string | null;
  outcome: BootOutcome | 'build_failed' | 'skipped';
  bootId: number | null;
}

export interface Regression {
  variant: string;
  against: string;
  was: string;
  now: string;
}

export type RegressionEngine = (
  runs: RunOutcome[],
  collector: CollectorClient | null,
) => Promise<Regression[]>;

/** Ranked as common/outcomes.ts ranks them; a failed build as low as a boot that printed nothing. */
function worse(was: string, now: string): boolean {
  const asBoot = (o: string) => (o === 'build_failed' ? 'no_output' : o);
  return isWorseOutcome(asBoot(was), asBoot(now));
}

interface StoredBoot {
  id: number;
  variant: string | null;
  outcome: string;
}

/** Baseline variant in this run, then the previous stored boot of the same variant. */
export const defaultRegressionEngine: RegressionEngine = async (runs, collector) => {
  const out: Regression[] = [];
  const byName = new Map(runs.map((r) => [r.variant, r]));
  for (const r of runs) {
    const base = r.baseline ? byName.get(r.baseline) : undefined;
    if (base && worse(base.outcome, r.outcome))
      out.push({
        variant: r.variant,
        against: `baseline ${base.variant}`,
        was: base.outcome,
        now: r.outcome,
      });
  }
  if (!collector) return out;
  let stored: StoredBoot[] = [];
  try {
    stored = await collector.request<StoredBoot[]>('GET', '/api/boots?limit=500');
  } catch {
    return out; // no history reachable: only the in-run baselines count
  }
  const ours = new Set(runs.map((r) => r.bootId).filter((id) => id != null));
  for (const r of runs) {
    const prev = stored.find((b) => b.variant === r.variant && !ours.has(b.id) && b.outcome !== 'error');
    if (prev && worse(prev.outcome, r.outcome))
      out.push({
        variant: r.variant,
        against: `previous boot #${prev.id}`,
        was: prev.outcome,
        now: r.outcome,
      });
  }
  return out;
};
