/** Regressions, compare, failures and exports: response and query schemas (common/types/api.ts shapes). */
import { Type } from '@sinclair/typebox';
import { BootSummary } from './boots.ts';
import { CsvList, Id, Nullable, StringEnum, Timestamp } from './common.ts';

const Value = Nullable(Type.Union([Type.String(), Type.Number()]));
const Line = Type.Object({ line: Type.Integer(), text: Type.String() });

export const REGRESSION_KINDS = [
  'build',
  'outcome',
  'crash',
  'error',
  'probe',
  'milestone',
  'size',
  'build_time',
  'boot_time',
  'initcall',
] as const;

export const RegressionItem = Type.Object({
  id: Type.Integer(),
  variant: Type.String(),
  key: Type.String(),
  kind: StringEnum(REGRESSION_KINDS),
  severity: StringEnum(['high', 'medium', 'low'] as const),
  title: Type.String(),
  status: StringEnum(['open', 'fixed'] as const),
  bootId: Nullable(Type.Integer()),
  buildId: Nullable(Type.Integer()),
  baselineBootId: Nullable(Type.Integer()),
  baselineBuildId: Nullable(Type.Integer()),
  was: Value,
  now: Value,
  threshold: Nullable(Type.Number()),
  stats: Nullable(Type.Object({ n: Type.Integer(), median: Type.Number(), mad: Type.Number() })),
  evidence: Type.Array(Line),
  detectedAt: Timestamp,
  fixedBootId: Nullable(Type.Integer()),
  fixedBuildId: Nullable(Type.Integer()),
  fixedAt: Nullable(Timestamp),
});

export const RegressionQuery = Type.Object({
  status: Type.Optional(StringEnum(['open', 'fixed', 'all'] as const)),
  variant: CsvList('variant names, comma-separated'),
  boot: CsvList('only regressions opened or fixed by these boot ids'),
  build: CsvList('only regressions opened or fixed by these build ids'),
  limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
});

const ConfigChange = Type.Object({
  option: Type.String(),
  old: Nullable(Type.String()),
  new: Nullable(Type.String()),
});
export const ConfigDiffResult = Type.Object({
  removed: Type.Array(ConfigChange),
  changed: Type.Array(ConfigChange),
  added: Type.Array(ConfigChange),
  text: Type.String({ description: 'as scripts/diffconfig prints it' }),
});

export const BloatDiff = Type.Object({
  added: Type.Integer(),
  removed: Type.Integer(),
  grown: Type.Integer(),
  shrunk: Type.Integer(),
  up: Type.Integer(),
  down: Type.Integer(),
  oldTotal: Type.Integer(),
  newTotal: Type.Integer(),
  changedCount: Type.Integer(),
  symbols: Type.Array(
    Type.Object({
      name: Type.String(),
      type: Type.String(),
      old: Nullable(Type.Integer()),
      new: Nullable(Type.Integer()),
      delta: Type.Integer(),
    }),
  ),
  text: Type.String({ description: 'as scripts/bloat-o-meter prints it (top symbols)' }),
});

export const RegressionDetail = Type.Object({
  ...RegressionItem.properties,
  config: Nullable(ConfigDiffResult),
  size: Nullable(BloatDiff),
});

export const BaselinePin = Type.Object({
  variant: Type.String(),
  bootId: Type.Integer(),
  buildId: Nullable(Type.Integer()),
  note: Nullable(Type.String()),
  pinnedAt: Timestamp,
});

export const PinBody = Type.Object({
  bootId: Id(),
  note: Type.Optional(Type.String({ maxLength: 1000 })),
});

export const VariantParams = Type.Object({ name: Type.String({ minLength: 1, maxLength: 200 }) });

const Trouble = Type.Object({
  key: Type.String(),
  cls: StringEnum(['crash', 'error', 'probe_failed', 'warning'] as const),
  title: Type.String(),
  line: Type.Integer(),
  time: Nullable(Type.Number()),
  text: Type.String(),
  fatal: Type.Boolean(),
});
const Delta = (name: string) =>
  Type.Object({
    [name]: Type.String(),
    a: Nullable(Type.Number()),
    b: Nullable(Type.Number()),
    delta: Nullable(Type.Number()),
  });

export const CompareQuery = Type.Object({
  a: Type.Optional(Id('the earlier boot; default: b’s baseline')),
  b: Id('the boot to explain'),
  limit: Type.Integer({ minimum: 1, maximum: 5000, default: 50, description: 'size-diff symbols kept' }),
});

export const CompareResponse = Type.Object({
  a: BootSummary,
  b: BootSummary,
  aChosen: StringEnum(['given', 'pinned', 'last_good'] as const),
  config: Nullable(ConfigDiffResult),
  size: Nullable(BloatDiff),
  appeared: Type.Array(Trouble),
  vanished: Type.Array(Trouble),
  probes: Type.Object({ gained: Type.Array(Type.String()), lost: Type.Array(Type.String()) }),
  milestones: Type.Array(Delta('name')),
  initcalls: Type.Array(Delta('fn')),
  initcallTotals: Type.Object({ a: Type.Number(), b: Type.Number(), delta: Type.Number() }),
});

const Occurrence = Type.Object({
  bootId: Type.Integer(),
  buildId: Nullable(Type.Integer()),
  variant: Nullable(Type.String()),
  at: Timestamp,
  line: Nullable(Type.Integer()),
});

export const FailureGroup = Type.Object({
  key: Type.String(),
  kind: StringEnum(['crash', 'warning', 'error', 'probe', 'stalled', 'no_output'] as const),
  title: Type.String(),
  fatal: Type.Boolean(),
  count: Type.Integer(),
  occurrences: Type.Array(Occurrence),
  variants: Type.Array(Type.String()),
  first: Occurrence,
  last: Occurrence,
  sinceBuild: Nullable(Type.Integer()),
  isNew: Type.Boolean(),
  ongoingIn: Type.Array(Type.String()),
});

export const FailureQuery = Type.Object({
  variant: CsvList('variant names, comma-separated'),
  kind: CsvList('crash, warning, error, probe, stalled, no_output'),
  boots: Type.Integer({ minimum: 1, maximum: 20000, default: 1000, description: 'newest boots looked at' }),
  occurrences: Type.Integer({
    minimum: 1,
    maximum: 1000,
    default: 50,
    description: 'occurrences kept per group',
  }),
});

export const ExportQuery = Type.Object({
  builds: Type.Integer({ minimum: 1, maximum: 5000, default: 200, description: 'newest builds exported' }),
  variant: CsvList('variant names, comma-separated'),
  origin: Type.String({
    pattern: '^[a-z0-9_]+$',
    maxLength: 100,
    default: 'bootwatch',
    description: 'KCIDB origin',
  }),
});

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

export const RunParams = Type.Object({
  id: Type.Union([Id(), Type.Literal('latest')]),
});

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
