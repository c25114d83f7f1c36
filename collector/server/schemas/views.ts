/** The trends route's query string; the answers live in common/schemas/views.ts. */
import { Type } from '@sinclair/typebox';
import { TREND_METRICS } from '../../../common/schemas/views.ts';
import { ArchList } from './common.ts';

export { TREND_METRICS, TrendsResponse, VariantOverview } from '../../../common/schemas/views.ts';

export const VariantsQuery = Type.Object({
  arch: ArchList("only variants of these architectures (a variant's is its builds')"),
});

export const TrendsQuery = Type.Object({
  variant: Type.Optional(
    Type.String({ maxLength: 4000, description: 'comma-separated variants (default: all)' }),
  ),
  metric: Type.String({
    minLength: 1,
    maxLength: 1000,
    description: `comma-separated: ${TREND_METRICS.join(', ')}`,
  }),
  arch: ArchList('only builds (size and build metrics) and boots (milestones) of these architectures'),
  limit: Type.Integer({ minimum: 1, maximum: 10_000, default: 500, description: 'latest points per series' }),
});
