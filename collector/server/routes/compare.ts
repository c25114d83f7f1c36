/**
 * Compare two boots: config diff (diffconfig), size diff (bloat-o-meter), troubles that
 * appeared or vanished, probes, milestone and initcall deltas. Without `a`, b is compared
 * with its variant's baseline: "why did this boot fail when the last one worked?" in one call.
 */
import { BootwatchError } from '../../../common/errors.ts';
import type { CompareResponse as Answer, BootSummary } from '../../../common/types/api.ts';
import type { ParseResult } from '../../../common/types/parse.ts';
import { compareBoots } from '../../analysis/compare.ts';
import { bloatDiff, configDiffResult } from '../../analysis/diff-results.ts';
import type { Db } from '../../db/client.ts';
import { bootVariantId, earlierBoot, getBootFacts, getBootSummary } from '../../db/queries/boots.ts';
import { getBuild, getBuildSymbols } from '../../db/queries/builds.ts';
import { pinnedBaseline } from '../../db/queries/regressions.ts';
import { CompareQuery, CompareResponse } from '../schemas/analysis.ts';
import { errors } from '../schemas/common.ts';
import type { App } from '../types.ts';

/** b's baseline: the pinned boot of its variant, else the newest earlier boot that booted. */
async function baselineOf(db: Db, b: number): Promise<{ id: number; chosen: 'pinned' | 'last_good' } | null> {
  const variantId = await bootVariantId(db, b);
  if (variantId == null) return null;
  const pinned = await pinnedBaseline(db, variantId);
  if (pinned != null && pinned !== b) return { id: pinned, chosen: 'pinned' };
  const prev = await earlierBoot(db, b, { preferBooted: true });
  return prev != null ? { id: prev, chosen: 'last_good' } : null;
}

export async function compareRoutes(app: App): Promise<void> {
  /** A boot's summary and parse result (the live one while it runs). */
  const load = async (id: number): Promise<{ summary: BootSummary; result: ParseResult }> => {
    const db = app.database.db;
    const [summary, facts] = await Promise.all([getBootSummary(db, id), getBootFacts(db, id)]);
    if (!summary || !facts) throw new BootwatchError('boot.not_found', `no boot with id ${id}`);
    const result = facts.result ?? (await app.collector.console.liveResult(id));
    if (!result) throw new BootwatchError('conflict', `boot ${id} has no parsed console yet`);
    return { summary, result };
  };

  app.get(
    '/api/compare',
    {
      schema: {
        tags: ['compare'],
        summary: 'what changed from boot a to boot b (a defaults to b’s baseline)',
        querystring: CompareQuery,
        response: { 200: CompareResponse, ...errors(400, 404, 409, 503) },
      },
    },
    async (req): Promise<Answer> => {
      const db = app.database.db;
      const { b, limit } = req.query;
      let aId = req.query.a;
      let aChosen: Answer['aChosen'] = 'given';
      if (aId == null) {
        const base = await baselineOf(db, b);
        if (!base)
          throw new BootwatchError(
            'boot.not_found',
            `boot ${b} has no earlier boot of its variant to compare with`,
          );
        aId = base.id;
        aChosen = base.chosen;
      }
      const [a, bb] = await Promise.all([load(aId), load(b)]);
      const [ba, bbuild] = await Promise.all([
        a.summary.buildId ? getBuild(db, a.summary.buildId) : null,
        bb.summary.buildId ? getBuild(db, bb.summary.buildId) : null,
      ]);
      const config =
        ba?.config != null && bbuild?.config != null ? configDiffResult(ba.config, bbuild.config) : null;
      const [sa, sb] =
        ba && bbuild && ba.id !== bbuild.id
          ? await Promise.all([getBuildSymbols(db, ba.id), getBuildSymbols(db, bbuild.id)])
          : [null, null];
      return {
        a: a.summary,
        b: bb.summary,
        aChosen,
        config,
        size: sa && sb ? bloatDiff(sa, sb, limit) : null,
        ...compareBoots(a.result, bb.result),
      };
    },
  );
}
