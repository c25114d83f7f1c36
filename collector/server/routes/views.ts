/** What the dashboard's overview and charts read: variants at a glance, trends. */
import { Type } from '@sinclair/typebox';
import { BootwatchError } from '../../../common/errors.ts';
import type { TrendMetric } from '../../../common/types/api.ts';
import { listVariantNames } from '../../db/queries/catalog.ts';
import { listVariantOverviews } from '../../db/queries/overview.ts';
import { trendSeries } from '../../db/queries/trends.ts';
import { errors, splitArches, splitCsv } from '../schemas/common.ts';
import {
  TREND_METRICS,
  TrendsQuery,
  TrendsResponse,
  VariantOverview,
  VariantsQuery,
} from '../schemas/views.ts';
import type { App } from '../types.ts';

export async function viewRoutes(app: App): Promise<void> {
  app.get(
    '/api/variants',
    {
      schema: {
        tags: ['views'],
        summary: "each variant's latest build and boot",
        querystring: VariantsQuery,
        response: { 200: Type.Array(VariantOverview), ...errors(503) },
      },
    },
    async (req) => listVariantOverviews(app.database.db, { arch: splitArches(req.query.arch) }),
  );

  app.get(
    '/api/trends',
    {
      schema: {
        tags: ['views'],
        summary: 'series over each variant history: sizes and build times per build, milestones per boot',
        querystring: TrendsQuery,
        response: { 200: TrendsResponse, ...errors(400, 404, 503) },
      },
    },
    async (req) => {
      const db = app.database.db;
      const metrics = splitCsv(req.query.metric) ?? [];
      const unknown = metrics.filter((m) => !(TREND_METRICS as readonly string[]).includes(m));
      if (unknown.length || !metrics.length)
        throw new BootwatchError(
          'input.invalid',
          `unknown metric ${unknown.join(', ') || '(none)'}; choose from ${TREND_METRICS.join(', ')}`,
        );
      const all = await listVariantNames(db);
      const wanted = splitCsv(req.query.variant);
      const missing = wanted?.filter((n) => !all.some((v) => v.name === n)) ?? [];
      if (missing.length)
        throw new BootwatchError('variant.not_found', `no variant named ${missing.join(', ')}`);
      const variants = wanted ? wanted.map((n) => all.find((v) => v.name === n)!) : all;
      return {
        series: await trendSeries(db, {
          variants,
          metrics: metrics as TrendMetric[],
          limit: req.query.limit,
          arch: splitArches(req.query.arch),
        }),
      };
    },
  );
}
