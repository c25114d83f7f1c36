/**
 * What the collector's API takes and answers: the shapes the dashboard, the CLI and the runners
 * read. Each is the `Static<>` type of its TypeBox schema in common/schemas/.
 */
import type { BloatDiff, ConfigDiffResult, TroubleItem } from '../schemas/analysis.ts';
import type { BootCheck as BootCheckResult } from '../schemas/ingest.ts';
import type { BootOutcome, BootTarget, Status } from './ingest.ts';
import type {
  BootStage,
  Diagnosis,
  KernelInfo,
  LineClass,
  LogLevel,
  MilestoneName,
  Milestones,
  PanicInfo,
  ParseResult,
} from './parse.ts';

export interface HealthResponse {
  ok: boolean;
  db: 'pglite' | 'postgres';
  /** Present when `ok` is false. */
  error?: { code: string; message: string };
}

/** A boot is `running` while its console streams in, `finished` once it has an outcome. */
export type BootState = 'running' | 'finished';

/** One row of `GET /api/boots` (newest first). */
export interface BootSummary {
  id: number;
  /** The name of the token that submitted it (null: no token, auth off). */
  submittedBy: string | null;
  variant: string | null;
  buildId: number | null;
  target: BootTarget;
  machine: string | null;
  accel: string | null;
  state: BootState;
  /** The parser's outcome, `error` for a harness failure; null while running. */
  outcome: BootOutcome | null;
  /** KCIDB status: FAIL only when the kernel is to blame. */
  status: Status | null;
  startedAt: string;
  finishedAt: string | null;
  durationMs: number | null;
  kernel: KernelInfo;
  panic: PanicInfo | null;
  milestones: Milestones;
  lastStage: BootStage | null;
  crashCount: number;
  /** Title of the first crash, for grouping at a glance. */
  firstCrash: string | null;
  topDiagnosis: Diagnosis | null;
  consoleBytes: number;
  consoleLines: number;
}

/** `GET /api/boots/:id`: the whole `parse --json` object at top level plus the boot's facts. */
export interface BootDetail extends Omit<BootSummary, 'outcome' | 'lastStage'>, Omit<ParseResult, 'outcome'> {
  /** Null while the boot runs; the parse fields are then a snapshot of the console so far. */
  outcome: BootOutcome | null;
  /** The parser's own outcome, even when the boot's outcome is `error`. */
  parseOutcome: ParseResult['outcome'];
  cmdline: string | null;
  memoryMb: number | null;
  cpus: number | null;
  host: string | null;
  endReason: string | null;
  harnessError: string | null;
  checks: BootCheckResult[];
  meta: Record<string, unknown>;
}

export interface ConsoleLine {
  line: number;
  time: number | null;
  cls: LineClass;
  level: LogLevel | null;
  text: string;
}

/** `GET /api/boots/:id/console?from=&limit=`: a page of display lines. */
export interface ConsolePage {
  bootId: number;
  from: number;
  lines: ConsoleLine[];
  /** Lines stored so far for this boot. */
  total: number;
  /** `from` of the next page, null at the end. */
  next: number | null;
}

/** `GET /api/variants`: each variant's latest build and boot at a glance. */
export interface VariantOverview {
  name: string;
  matrix: string | null;
  baseConfig: string | null;
  fragments: string[];
  buildCount: number;
  bootCount: number;
  latestBuild: {
    id: number;
    status: Status;
    startedAt: string;
    wallMs: number | null;
    imageSize: number | null;
    /** Change of the image size against the variant's previous build, null without one. */
    imageSizeDelta: number | null;
    previousBuildId: number | null;
  } | null;
  latestBoot: {
    id: number;
    state: BootState;
    outcome: BootOutcome | null;
    startedAt: string;
    /** Kernel time of `init_start`, null when init never ran. */
    timeToInit: number | null;
    lastStage: BootStage | null;
    panicReason: string | null;
    firstCrash: string | null;
    topDiagnosis: Diagnosis | null;
  } | null;
}

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

export interface TrendPoint {
  /** 1-based position of the build (build metrics) or boot (boot metrics) in the variant's history. */
  seq: number;
  at: string;
  buildId: number | null;
  bootId: number | null;
  value: number | null;
  /** The boot's outcome (for a build: its latest boot's), null when none. */
  outcome: BootOutcome | null;
  buildStatus: Status | null;
}

export interface TrendSeries {
  variant: string;
  metric: TrendMetric;
  unit: 'bytes' | 'ms' | 's';
  points: TrendPoint[];
}

/** `GET /api/trends?variant=a,b&metric=m1,m2`. */
export interface TrendsResponse {
  series: TrendSeries[];
}

/** `POST /api/logs` and `bin/bootwatch ingest`: the boot made from an uploaded log. */
export interface LogUploadResponse {
  id: number;
  outcome: BootOutcome;
}

export type {
  BaselinePin,
  BloatDiff,
  BloatSymbol,
  BloatTotals,
  ConfigChangeItem,
  ConfigDiffResult,
  FailureGroupItem,
  FailureOccurrence,
  MatrixRunInput,
  RegressionDetail,
  RegressionEvidence,
  RegressionItem,
  RegressionKind,
  TroubleItem,
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
export type { BuildDetail, BuildSummary, SizeDiff, SymbolDelta } from '../schemas/builds.ts';
export type { ApiError, IdResponse } from '../schemas/common.ts';
export type { BuildProgressInput } from '../schemas/ingest.ts';
export type { BootCheckResult, BootOutcome, BootTarget, Status };

// ---- Regressions, compare, failures and exports (collector/analysis, collector/regressions) ----

/** `GET /api/compare?a=&b=`: why does boot b differ from boot a. */
export interface CompareResponse {
  a: BootSummary;
  b: BootSummary;
  /** How `a` was chosen when the request left it out. */
  aChosen: 'given' | 'pinned' | 'last_good';
  config: ConfigDiffResult | null;
  size: BloatDiff | null;
  appeared: TroubleItem[];
  vanished: TroubleItem[];
  probes: { gained: string[]; lost: string[] };
  milestones: { name: MilestoneName; a: number | null; b: number | null; delta: number | null }[];
  initcalls: { fn: string; a: number | null; b: number | null; delta: number | null }[];
  initcallTotals: { a: number; b: number; delta: number };
}
