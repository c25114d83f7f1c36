/**
 * What the collector's API takes and answers: the shapes the dashboard, the CLI and the runners
 * read. Each is the `Static<>` type of its TypeBox schema in common/schemas/; this module only
 * names them (and holds no schema, so the dashboard's bundle carries no TypeBox).
 */
import type { MilestoneName } from './parse.ts';

/** Metrics `GET /api/trends` can chart; `boot.<milestone>` is that milestone's kernel time. */
export const BUILD_METRICS = [
  'size.image',
  'size.vmlinux',
  'size.text',
  'size.data',
  'size.bss',
  'build.wall',
  'build.user',
  'build.sys',
] as const;
export type BuildMetric = (typeof BUILD_METRICS)[number];
export type BootMetric = `boot.${MilestoneName}`;
export type TrendMetric = BuildMetric | BootMetric;

export type { SessionInfo } from '../schemas/access.ts';
export type {
  BaselinePin,
  BloatDiff,
  BloatSymbol,
  BloatTotals,
  CompareResponse,
  ConfigDiffResult,
  FailureGroupItem,
  MatrixRunInput,
  RegressionDetail,
  RegressionItem,
  RegressionKind,
  RunRecord,
  Thresholds,
} from '../schemas/analysis.ts';
export type {
  BisectCulprit,
  BisectionDetail,
  BisectionInput,
  BisectionStatus,
  BisectionSummary,
  BisectPhase,
  BisectReport,
  BisectStep,
  BisectVerdict,
} from '../schemas/bisections.ts';
export type {
  BootDetail,
  BootState,
  BootSummary,
  ConsoleLine,
  ConsolePage,
} from '../schemas/boots.ts';
export type { BuildDetail, BuildSummary, SizeDiff } from '../schemas/builds.ts';
export type {
  ClimbAttempt,
  ClimbAttemptLink,
  ClimbDetail,
  ClimbInput,
  ClimbPhase,
  ClimbState,
  ClimbStatus,
  ClimbSummary,
} from '../schemas/climbs.ts';
export type { ApiError } from '../schemas/common.ts';
export type {
  BuildProgressInput,
  Status,
} from '../schemas/ingest.ts';
export type { IssueDetail, IssueStatus, IssueSummary } from '../schemas/issues.ts';
export type { AgentSummary } from '../schemas/jobs.ts';
export type { BootOutcome } from '../schemas/parse.ts';
export type {
  CreatedSubscription,
  Delivery,
  Subscription,
  SubscriptionInput,
} from '../schemas/subscriptions.ts';

export type { TrendPoint, TrendSeries, TrendsResponse, VariantOverview } from '../schemas/views.ts';
