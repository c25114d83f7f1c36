/** What changed between a regression's baseline and its run: the config diff and the top size changes. */
import type { BloatDiff, ConfigDiffResult } from '../../common/types/api.ts';
import { bloatDiff, configDiffResult } from '../analysis/diff-results.ts';
import type { Db } from '../db/client.ts';
import { getBuild, getBuildSymbols } from '../db/queries/builds.ts';

/** The diffs between two builds (either may be missing: then nulls). */
export async function regressionDiffs(
  db: Db,
  r: { baselineBuildId: number | null; buildId: number | null },
): Promise<{ config: ConfigDiffResult | null; size: BloatDiff | null }> {
  const [was, now] = await Promise.all([
    r.baselineBuildId ? getBuild(db, r.baselineBuildId) : null,
    r.buildId ? getBuild(db, r.buildId) : null,
  ]);
  const config = was?.config != null && now?.config != null ? configDiffResult(was.config, now.config) : null;
  const [oldSyms, newSyms] =
    was && now ? await Promise.all([getBuildSymbols(db, was.id), getBuildSymbols(db, now.id)]) : [null, null];
  return { config, size: oldSyms && newSyms ? bloatDiff(oldSyms, newSyms, 20) : null };
}
