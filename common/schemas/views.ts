/** The variant overview and trends as the API answers them. */
import { type Static, Type } from '@sinclair/typebox';
import { BUILD_METRICS } from '../types/api.ts';
import { MILESTONES } from '../types/parse.ts';
import { BOOT_STATES } from './boots.ts';
import { Nullable, StringEnum, Timestamp } from './common.ts';
import { STATUSES } from './ingest.ts';
import { BOOT_OUTCOMES, Diagnosis, STAGES } from './parse.ts';

/** Metrics `GET /api/trends` can chart; `boot.<milestone>` is that milestone's kernel time. */
export const TREND_METRICS = [...BUILD_METRICS, ...MILESTONES.map((m) => `boot.${m}` as const)] as const;

/** `GET /api/variants`: each variant's latest build and boot at a glance. */
export const VariantOverview = Type.Object({
  name: Type.String(),
  matrix: Nullable(Type.String()),
  baseConfig: Nullable(Type.String()),
  fragments: Type.Array(Type.String()),
  arch: Nullable(Type.String({ description: "its latest build's architecture, else its latest boot's" })),
  buildCount: Type.Integer(),
  bootCount: Type.Integer(),
  latestBuild: Nullable(
    Type.Object({
      id: Type.Integer(),
      status: StringEnum(STATUSES),
      startedAt: Timestamp,
      wallMs: Nullable(Type.Number()),
      imageSize: Nullable(Type.Integer()),
      imageSizeDelta: Nullable(
        Type.Integer({ description: "against the variant's previous build, null without one" }),
      ),
      previousBuildId: Nullable(Type.Integer()),
    }),
  ),
  latestBoot: Nullable(
    Type.Object({
      id: Type.Integer(),
      state: StringEnum(BOOT_STATES),
      outcome: Nullable(StringEnum(BOOT_OUTCOMES)),
      startedAt: Timestamp,
      timeToInit: Nullable(
        Type.Number({ description: 'kernel time of `init_start`, null when init never ran' }),
      ),
      lastStage: Nullable(StringEnum(STAGES)),
      panicReason: Nullable(Type.String()),
      firstCrash: Nullable(Type.String()),
      topDiagnosis: Nullable(Diagnosis),
    }),
  ),
});
export type VariantOverview = Static<typeof VariantOverview>;

export const TrendPoint = Type.Object({
  seq: Type.Integer({
    description:
      "1-based position of the build (build metrics) or boot (boot metrics) in the variant's history",
  }),
  at: Timestamp,
  buildId: Nullable(Type.Integer()),
  bootId: Nullable(Type.Integer()),
  value: Nullable(Type.Number()),
  outcome: Nullable(StringEnum(BOOT_OUTCOMES, "the boot's outcome (for a build: its latest boot's)")),
  buildStatus: Nullable(StringEnum(STATUSES)),
});
export type TrendPoint = Static<typeof TrendPoint>;

export const TrendSeries = Type.Object({
  variant: Type.String(),
  arch: Nullable(
    Type.String({
      description: "the architecture of its builds (boots for milestones): a variant's history split by arch",
    }),
  ),
  metric: StringEnum(TREND_METRICS),
  unit: StringEnum(['bytes', 'ms', 's'] as const),
  points: Type.Array(TrendPoint),
});
export type TrendSeries = Static<typeof TrendSeries>;

/** `GET /api/trends?variant=a,b&metric=m1,m2`. */
export const TrendsResponse = Type.Object({ series: Type.Array(TrendSeries) });
export type TrendsResponse = Static<typeof TrendsResponse>;
