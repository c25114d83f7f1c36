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

export interface BootCheckResult {
  name: string;
  ok: boolean;
  detail?: string | null;
  harness?: boolean;
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
  /** The name of the token that submitted it (null: no token, auth off). */
  submittedBy: string | null;
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

// ---- Regressions, compare, failures and exports (collector/analysis, collector/regressions) ----

export type RegressionKind =
  | 'build'
  | 'outcome'
  | 'crash'
  | 'error'
  | 'probe'
  | 'milestone'
  | 'size'
  | 'build_time'
  | 'boot_time'
  | 'initcall';

/** A console line that shows a regression. */
export interface RegressionEvidence {
  line: number;
  text: string;
}

/** One row of `GET /api/regressions`: what got worse in a variant, between which runs. */
export interface RegressionItem {
  id: number;
  variant: string;
  /** Identity within the variant: `outcome`, `crash:<title>`, `size:image`, `initcall:<fn>`... */
  key: string;
  kind: RegressionKind;
  severity: 'high' | 'medium' | 'low';
  title: string;
  status: 'open' | 'fixed';
  /** The run it appeared in. */
  bootId: number | null;
  buildId: number | null;
  /** The run it was judged against (pinned or the last good one). */
  baselineBootId: number | null;
  baselineBuildId: number | null;
  was: string | number | null;
  now: string | number | null;
  /** For measurements: the value above which it alerted. */
  threshold: number | null;
  /** Median/MAD of the history it was judged against, for noisy measurements. */
  stats: { n: number; median: number; mad: number } | null;
  evidence: RegressionEvidence[];
  detectedAt: string;
  /** The run that showed it gone. */
  fixedBootId: number | null;
  fixedBuildId: number | null;
  fixedAt: string | null;
}

/** A changed option, scripts/diffconfig style (`old`/`new` null when absent). */
export interface ConfigChangeItem {
  option: string;
  old: string | null;
  new: string | null;
}

export interface ConfigDiffResult {
  removed: ConfigChangeItem[];
  changed: ConfigChangeItem[];
  added: ConfigChangeItem[];
  /** The diff as scripts/diffconfig prints it. */
  text: string;
}

/** One symbol's change, bloat-o-meter style (`old`/`new` null when absent). */
export interface BloatSymbol {
  name: string;
  type: string;
  old: number | null;
  new: number | null;
  delta: number;
}

/** bloat-o-meter's summary line: symbol counts and byte totals. */
export interface BloatTotals {
  added: number;
  removed: number;
  grown: number;
  shrunk: number;
  /** Bytes gained by added and grown symbols. */
  up: number;
  /** Bytes lost by removed and shrunk symbols (positive). */
  down: number;
  /** Sum of the counted symbols' sizes in each build. */
  oldTotal: number;
  newTotal: number;
}

/** bloat-o-meter's totals and the symbols that changed most. */
export interface BloatDiff extends BloatTotals {
  /** Every changed symbol's count; `symbols` holds the top of them. */
  changedCount: number;
  symbols: BloatSymbol[];
  /** The report as scripts/bloat-o-meter prints it, cut to the top symbols. */
  text: string;
}

/** `GET /api/regressions/:id`: the regression with its runs' config and size differences. */
export interface RegressionDetail extends RegressionItem {
  config: ConfigDiffResult | null;
  size: BloatDiff | null;
}

/** A trouble (crash, error, failed probe) keyed so it is recognised across boots. */
export interface TroubleItem {
  key: string;
  cls: 'crash' | 'error' | 'probe_failed' | 'warning';
  title: string;
  line: number;
  time: number | null;
  text: string;
  fatal: boolean;
}

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

export interface FailureOccurrence {
  bootId: number;
  buildId: number | null;
  variant: string | null;
  at: string;
  line: number | null;
}

/** One group of `GET /api/failures`: the same failure across variants and runs. */
export interface FailureGroupItem {
  key: string;
  kind: 'crash' | 'warning' | 'error' | 'probe' | 'stalled' | 'no_output';
  title: string;
  /** True when it ended boots; false for warnings and failed probes along the way. */
  fatal: boolean;
  count: number;
  occurrences: FailureOccurrence[];
  variants: string[];
  first: FailureOccurrence;
  last: FailureOccurrence;
  sinceBuild: number | null;
  isNew: boolean;
  ongoingIn: string[];
}

/** A variant's pinned baseline boot. */
export interface BaselinePin {
  variant: string;
  bootId: number;
  buildId: number | null;
  note: string | null;
  pinnedAt: string;
}

/** `POST /api/runs`: what one `bootwatch run` of a matrix made, for its JUnit report. */
export interface MatrixRunInput {
  matrix: string;
  results: { variant: string; outcome: string; bootId: number | null; buildId: number | null }[];
}

// ---- Config bisection (collector/analysis/bisect.ts searches, runners/bisect runs, the collector stores) ----

export type BisectVerdict = 'good' | 'bad' | 'skip';

export type BisectPhase = 'endpoint' | 'hint' | 'fragment' | 'option' | 'confirm';

/** One config a bisection built (or found in its cache) and judged. */
export interface BisectStep {
  n: number;
  phase: BisectPhase;
  /** Options set to the bad side's values on top of the step's base (or the endpoint's name). */
  tried: string[];
  /** Resolved config's hash. */
  hash: string;
  /** Options in which the resolved config differs from the good endpoint. */
  distance: number;
  verdict: BisectVerdict;
  outcome: string;
  /** False when the verdict came from the cache: this config was built before. */
  built: boolean;
  buildId?: number | null;
  bootId?: number | null;
}

export interface BisectCulprit {
  option: string;
  good: string | null;
  bad: string | null;
  /** How it was found: a hint tested alone, or the last step of a bisection. */
  via: 'hint' | 'bisect';
  /** True when the good config with only this change (and what Kconfig makes of it) was bad. */
  confirmed: boolean;
  /** Options that changed with it after olddefconfig. */
  with: string[];
}

export interface BisectReport {
  status: 'found' | 'not_found' | 'budget' | 'bad_endpoints';
  message: string;
  culprits: BisectCulprit[];
  /** The options still suspected when the search could not narrow further. */
  suspects: string[];
  steps: BisectStep[];
  builds: number;
  /** Differing options between the endpoints. */
  differing: number;
  lastGood: string | null;
  firstBad: string | null;
}

/** A stored bisection: `running` until its report (or `failed` when the run threw). */
export type BisectionStatus = 'running' | BisectReport['status'] | 'failed';

/** `PUT /api/bisections/:key`: a runner's bisection as it stands after a step. */
export interface BisectionInput {
  variant: string;
  /** The sides as the user named them (`03-exec`, `build #12 (03-exec)`, a file). */
  good: string;
  bad: string;
  status: BisectionStatus;
  builds: number;
  maxBuilds: number;
  /** The resumable search state (collector/analysis/bisect.ts BisectState); the API reads only these fields. */
  state: { version: 1; steps: BisectStep[]; builds: number };
  report: BisectReport | null;
  error?: string | null;
  /** Who runs it: the agent's name or the host. */
  agent?: string | null;
}

/** One row of `GET /api/bisections`, newest first (no state blob). */
export interface BisectionSummary {
  id: number;
  /** The name of the token that submitted it (null: no token, auth off). */
  submittedBy: string | null;
  key: string;
  variant: string;
  good: string;
  bad: string;
  status: BisectionStatus;
  builds: number;
  maxBuilds: number;
  /** The culprits' option names, from the report. */
  culprits: string[];
  /** The report's one-line conclusion, or the error of a failed run. */
  message: string | null;
  agent: string | null;
  startedAt: string;
  updatedAt: string;
}

/** `GET /api/bisections/:id`: the steps so far (or the report's), the culprits, the conclusion. */
export interface BisectionDetail extends Omit<BisectionSummary, 'culprits'> {
  culprits: BisectCulprit[];
  suspects: string[];
  steps: BisectStep[];
  /** Differing options between the endpoints (null before both are resolved). */
  differing: number | null;
  error: string | null;
  /** The resumable state, only with `?state=true` (what a runner resumes from). */
  state?: BisectionInput['state'];
}
