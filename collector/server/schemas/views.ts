/** Variant overview and trends: response and query schemas. */
import { Type } from '@sinclair/typebox';
import { STATUSES } from '../../../common/schemas/ingest.ts';
import { BUILD_METRICS } from '../../../common/types/api.ts';
import { MILESTONES } from '../../../common/types/parse.ts';
import { Nullable, StringEnum, Timestamp } from './common.ts';
import { BOOT_OUTCOMES, Diagnosis, STAGES } from './parse.ts';

export const TREND_METRICS = [...BUILD_METRICS, ...MILESTONES.map((m) => `boot.${m}` as const)] as const;

export const VariantOverview = Type.Object({
  name: Type.String(),
  matrix: Nullable(Type.String()),
  baseConfig: Nullable(Type.String()),
  fragments: Type.Array(Type.String()),
  buildCount: Type.Integer(),
  bootCount: Type.Integer(),
  latestBuild: Nullable(
    Type.Object({
      id: Type.Integer(),
      status: StringEnum(STATUSES),
      startedAt: Timestamp,
      wallMs: Nullable(Type.Number()),
      imageSize: Nullable(Type.Integer()),
      imageSizeDelta: Nullable(Type.Integer()),
      previousBuildId: Nullable(Type.Integer()),
    }),
  ),
  latestBoot: Nullable(
    Type.Object({
      id: Type.Integer(),
      state: StringEnum(['running', 'finished'] as const),
      outcome: Nullable(StringEnum(BOOT_OUTCOMES)),
      startedAt: Timestamp,
      timeToInit: Nullable(Type.Number()),
      lastStage: Nullable(StringEnum(STAGES)),
      panicReason: Nullable(Type.String()),
      firstCrash: Nullable(Type.String()),
      topDiagnosis: Nullable(Diagnosis),
    }),
  ),
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
  limit: Type.Integer({ minimum: 1, maximum: 10_000, default: 500, description: 'latest points per series' }),
});

export const TrendsResponse = Type.Object({
  series: Type.Array(
    Type.Object({
      variant: Type.String(),
      metric: StringEnum(TREND_METRICS),
      unit: StringEnum(['bytes', 'ms', 's'] as const),
      points: Type.Array(
        Type.Object({
          seq: Type.Integer(),
          at: Timestamp,
          buildId: Nullable(Type.Integer()),
          bootId: Nullable(Type.Integer()),
          value: Nullable(Type.Number()),
          outcome: Nullable(StringEnum(BOOT_OUTCOMES)),
          buildStatus: Nullable(StringEnum(STATUSES)),
        }),
      ),
    }),
  ),
});
