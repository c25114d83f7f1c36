/** Regressions, compare, failures, baselines, thresholds and runs: what the analysis routes take and answer. */
import { type Static, Type } from '@sinclair/typebox';
import { MILESTONES } from '../types/parse.ts';
import { BootSummary } from './boots.ts';
import { Id, Nullable, StringEnum, Timestamp } from './common.ts';

const Value = Nullable(Type.Union([Type.String(), Type.Number()]));

/** A console line that shows a regression. */
const RegressionEvidence = Type.Object({ line: Type.Integer(), text: Type.String() });

export const REGRESSION_KINDS = [
  'build',
  'outcome',
  'check',
  'crash',
  'error',
  'probe',
  'milestone',
  'size',
  'build_time',
  'boot_time',
  'initcall',
] as const;
export type RegressionKind = (typeof REGRESSION_KINDS)[number];

/** One row of `GET /api/regressions`: what got worse in a variant, between which runs. */
export const RegressionItem = Type.Object({
  id: Type.Integer(),
  variant: Type.String(),
  key: Type.String({
    description: 'identity within the variant: `outcome`, `check:<name>`, `crash:<title>`, `size:image`...',
  }),
  kind: StringEnum(REGRESSION_KINDS),
  severity: StringEnum(['high', 'medium', 'low'] as const),
  title: Type.String(),
  status: StringEnum(['open', 'fixed'] as const),
  bootId: Nullable(Type.Integer({ description: 'the run it appeared in' })),
  buildId: Nullable(Type.Integer()),
  baselineBootId: Nullable(
    Type.Integer({ description: 'the run it was judged against (pinned or the last good one)' }),
  ),
  baselineBuildId: Nullable(Type.Integer()),
  was: Value,
  now: Value,
  threshold: Nullable(Type.Number({ description: 'for measurements: the value above which it alerted' })),
  stats: Nullable(
    Type.Object(
      { n: Type.Integer(), median: Type.Number(), mad: Type.Number() },
      { description: 'median/MAD of the history it was judged against' },
    ),
  ),
  evidence: Type.Array(RegressionEvidence),
  detectedAt: Timestamp,
  fixedBootId: Nullable(Type.Integer({ description: 'the run that showed it gone' })),
  fixedBuildId: Nullable(Type.Integer()),
  fixedAt: Nullable(Timestamp),
});
export type RegressionItem = Static<typeof RegressionItem>;

/** A changed option, scripts/diffconfig style (`old`/`new` null when absent). */
const ConfigChangeItem = Type.Object({
  option: Type.String(),
  old: Nullable(Type.String()),
  new: Nullable(Type.String()),
});

export const ConfigDiffResult = Type.Object({
  removed: Type.Array(ConfigChangeItem),
  changed: Type.Array(ConfigChangeItem),
  added: Type.Array(ConfigChangeItem),
  text: Type.String({ description: 'as scripts/diffconfig prints it' }),
});
export type ConfigDiffResult = Static<typeof ConfigDiffResult>;

/** One symbol's change, bloat-o-meter style (`old`/`new` null when absent). */
export const BloatSymbol = Type.Object({
  name: Type.String(),
  type: Type.String(),
  old: Nullable(Type.Integer()),
  new: Nullable(Type.Integer()),
  delta: Type.Integer(),
});
export type BloatSymbol = Static<typeof BloatSymbol>;

/** bloat-o-meter's summary line: symbol counts and byte totals. */
export const BloatTotals = Type.Object({
  added: Type.Integer(),
  removed: Type.Integer(),
  grown: Type.Integer(),
  shrunk: Type.Integer(),
  up: Type.Integer({ description: 'bytes gained by added and grown symbols' }),
  down: Type.Integer({ description: 'bytes lost by removed and shrunk symbols (positive)' }),
  oldTotal: Type.Integer({ description: "sum of the counted symbols' sizes in the old build" }),
  newTotal: Type.Integer(),
});
export type BloatTotals = Static<typeof BloatTotals>;

/** bloat-o-meter's totals and the symbols that changed most. */
export const BloatDiff = Type.Object({
  ...BloatTotals.properties,
  changedCount: Type.Integer({ description: "every changed symbol's count; `symbols` holds the top" }),
  symbols: Type.Array(BloatSymbol),
  text: Type.String({ description: 'as scripts/bloat-o-meter prints it (top symbols)' }),
});
export type BloatDiff = Static<typeof BloatDiff>;

/** `GET /api/regressions/:id`: the regression with its runs' config and size differences. */
export const RegressionDetail = Type.Object({
  ...RegressionItem.properties,
  config: Nullable(ConfigDiffResult),
  size: Nullable(BloatDiff),
});
export type RegressionDetail = Static<typeof RegressionDetail>;

/** A variant's pinned baseline boot. */
export const BaselinePin = Type.Object({
  variant: Type.String(),
  bootId: Type.Integer(),
  buildId: Nullable(Type.Integer()),
  note: Nullable(Type.String()),
  pinnedAt: Timestamp,
});
export type BaselinePin = Static<typeof BaselinePin>;

export const PinBody = Type.Object({
  bootId: Id(),
  note: Type.Optional(Type.String({ maxLength: 1000 })),
});

/** A trouble (crash, error, failed probe) keyed so it is recognised across boots. */
const TroubleItem = Type.Object({
  key: Type.String(),
  cls: StringEnum(['crash', 'error', 'probe_failed', 'warning'] as const),
  title: Type.String(),
  line: Type.Integer(),
  time: Nullable(Type.Number()),
  text: Type.String(),
  fatal: Type.Boolean(),
});

const Change = { a: Nullable(Type.Number()), b: Nullable(Type.Number()), delta: Nullable(Type.Number()) };

/** `GET /api/compare?a=&b=`: why does boot b differ from boot a. */
export const CompareResponse = Type.Object({
  a: BootSummary,
  b: BootSummary,
  aChosen: StringEnum(
    ['given', 'pinned', 'last_good'] as const,
    'how `a` was chosen when the request left it out',
  ),
  config: Nullable(ConfigDiffResult),
  size: Nullable(BloatDiff),
  appeared: Type.Array(TroubleItem),
  vanished: Type.Array(TroubleItem),
  probes: Type.Object({ gained: Type.Array(Type.String()), lost: Type.Array(Type.String()) }),
  milestones: Type.Array(Type.Object({ name: StringEnum(MILESTONES), ...Change })),
  initcalls: Type.Array(Type.Object({ fn: Type.String(), ...Change })),
  initcallTotals: Type.Object({ a: Type.Number(), b: Type.Number(), delta: Type.Number() }),
});
export type CompareResponse = Static<typeof CompareResponse>;

const FailureOccurrence = Type.Object({
  bootId: Type.Integer(),
  buildId: Nullable(Type.Integer()),
  variant: Nullable(Type.String()),
  at: Timestamp,
  line: Nullable(Type.Integer()),
});

/** One group of `GET /api/failures`: the same failure across variants and runs. */
export const FailureGroup = Type.Object({
  key: Type.String(),
  kind: StringEnum(['crash', 'warning', 'error', 'probe', 'stalled', 'no_output'] as const),
  title: Type.String(),
  fatal: Type.Boolean({ description: 'it ended boots (false for warnings and failed probes)' }),
  count: Type.Integer(),
  occurrences: Type.Array(FailureOccurrence),
  variants: Type.Array(Type.String()),
  first: FailureOccurrence,
  last: FailureOccurrence,
  sinceBuild: Nullable(Type.Integer()),
  isNew: Type.Boolean(),
  ongoingIn: Type.Array(Type.String()),
});
export type FailureGroupItem = Static<typeof FailureGroup>;

/** `POST /api/runs`: what one `bootwatch run` of a matrix made, for its JUnit report. */
export const RunInput = Type.Object({
  matrix: Type.String({ minLength: 1, maxLength: 500 }),
  results: Type.Array(
    Type.Object({
      variant: Type.String({ maxLength: 200 }),
      outcome: Type.String({ maxLength: 50 }),
      bootId: Nullable(Id()),
      buildId: Nullable(Id()),
    }),
    { maxItems: 10000 },
  ),
});
export type MatrixRunInput = Static<typeof RunInput>;

export const RunRecord = Type.Object({
  id: Type.Integer(),
  submittedBy: Nullable(Type.String({ description: 'the name of the token that submitted it' })),
  matrix: Type.String(),
  at: Timestamp,
  results: Type.Array(
    Type.Object({ variant: Type.String(), outcome: Type.String(), bootId: Nullable(Type.Integer()) }),
  ),
  buildIds: Type.Array(Type.Integer()),
});
export type RunRecord = Static<typeof RunRecord>;

/** Thresholds are finite and far below what would overflow arithmetic on them. */
const LIMIT = 1e9;

const Rule = Type.Partial(
  Type.Object({
    k: Type.Number({ minimum: 0, maximum: LIMIT, description: 'robust z-score limit' }),
    minAbs: Type.Number({
      minimum: 0,
      maximum: LIMIT,
      description: 'smallest growth that alerts, in the unit',
    }),
    minRel: Type.Number({
      minimum: 0,
      maximum: LIMIT,
      description: 'smallest growth that alerts, fraction of the median',
    }),
    minHistory: Type.Integer({
      minimum: 1,
      maximum: 1000,
      description: 'runs needed before median/MAD decide',
    }),
    fallbackRel: Type.Number({
      minimum: 0,
      maximum: LIMIT,
      description: 'growth over the baseline that alerts with less history',
    }),
  }),
);

/** A variant's regression thresholds; every field optional, the defaults fill the rest. */
export const Thresholds = Type.Partial(
  Type.Object({
    size: Type.Partial(
      Type.Object({
        metrics: Type.Array(StringEnum(['image', 'vmlinux', 'text', 'data', 'bss'] as const), {
          maxItems: 5,
        }),
        bytes: Nullable(Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER })),
        percent: Nullable(Type.Number({ minimum: 0, maximum: LIMIT })),
      }),
    ),
    buildTime: Rule,
    bootTime: Rule,
    initcall: Type.Partial(
      Type.Object({ ...Rule.properties, maxReported: Type.Integer({ minimum: 0, maximum: 100_000 }) }),
    ),
    historyLength: Type.Integer({ minimum: 1, maximum: 100 }),
  }),
  { additionalProperties: false },
);
export type Thresholds = Static<typeof Thresholds>;
