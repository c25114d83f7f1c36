/**
 * What the collector's read API answers: the shapes the dashboard and the CLI read.
 * The server's TypeBox response schemas describe exactly these.
 */
import type { BootOutcome, BootTarget, ConfigFragment, DroppedOption, ImageSizes, Status } from './ingest.ts';
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

/** Every 4xx/5xx answer: a stable code (common/errors.ts) and a message a user can act on. */
export interface ApiError {
  error: { code: string; message: string };
}

export interface HealthResponse {
  ok: boolean;
  db: 'pglite' | 'postgres';
  /** Present when `ok` is false. */
  error?: { code: string; message: string };
}

export interface IdResponse {
  id: number;
}

/** A boot is `running` while its console streams in, `finished` once it has an outcome. */
export type BootState = 'running' | 'finished';

/** One row of `GET /api/boots` (newest first). */
export interface BootSummary {
  id: number;
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

export interface BootCheckResult {
  name: string;
  ok: boolean;
  detail?: string | null;
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

export interface BuildSummary {
  id: number;
  variant: string;
  status: Status;
  exitCode: number | null;
  arch: string | null;
  startedAt: string;
  wallMs: number | null;
  userMs: number | null;
  sysMs: number | null;
  sizes: ImageSizes;
  configHash: string | null;
  source: { name: string; version: string | null } | null;
  compiler: string | null;
  warningCount: number;
  errorCount: number;
  droppedCount: number;
  symbolCount: number;
}

export interface BuildDetail extends BuildSummary {
  matrix: string | null;
  baseConfig: string | null;
  fragments: ConfigFragment[];
  /** The full .config as built. */
  config: string | null;
  dropped: DroppedOption[];
  warnings: string[];
  errors: string[];
  command: string | null;
  logTail: string | null;
  host: string | null;
  hasSystemMap: boolean;
}

/** One symbol's size change between two builds, bloat-o-meter style. */
export interface SymbolDelta {
  name: string;
  type: string;
  old: number;
  new: number;
  delta: number;
}

/** `GET /api/builds/:id/size-diff?against=ID`. */
export interface SizeDiff {
  buildId: number;
  againstId: number;
  added: number;
  removed: number;
  grown: number;
  shrunk: number;
  total: { old: number; new: number; delta: number };
  symbols: SymbolDelta[];
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

/** `POST /api/builds/progress`: live build progress, pushed to the feed, never stored. */
export interface BuildProgressInput {
  variant: string;
  buildId?: number | null;
  phase: string;
  percent?: number;
  message?: string;
}

/** `POST /api/logs` and `bin/bootwatch ingest`: the boot made from an uploaded log. */
export interface LogUploadResponse {
  id: number;
  outcome: BootOutcome;
}

export type { BootOutcome, BootTarget, Status };
