/**
 * Config bisections (collector/analysis/bisect.ts searches, runners/bisect runs, the collector
 * stores): what runners put after every step, and the list and detail the dashboard reads.
 */
import { type Static, type TSchema, Type } from '@sinclair/typebox';
import { Id, Nullable, StringEnum, Timestamp } from './common.ts';

// Null first: Fastify's ajv coerces types, and trying the other branch first turns a null into "" or 0.
const OrNull = <T extends TSchema>(s: T) => Type.Union([Type.Null(), s]);
const MaybeNull = <T extends TSchema>(s: T) => Type.Optional(OrNull(s));

export const BISECTION_STATUSES = [
  'running',
  'found',
  'not_found',
  'budget',
  'bad_endpoints',
  'failed',
] as const;

/** A stored bisection: `running` until its report (or `failed` when the run threw). */
export type BisectionStatus = (typeof BISECTION_STATUSES)[number];

export const BISECT_VERDICTS = ['good', 'bad', 'skip'] as const;
export type BisectVerdict = (typeof BISECT_VERDICTS)[number];

export const BISECT_PHASES = ['endpoint', 'hint', 'fragment', 'option', 'confirm'] as const;
export type BisectPhase = (typeof BISECT_PHASES)[number];

const Option = Type.String({ minLength: 1, maxLength: 200 });
const Label = Type.String({ minLength: 1, maxLength: 500 });
const Count = Type.Integer({ minimum: 0, maximum: 100_000 });

/** One config a bisection built (or found in its cache) and judged. */
export const BisectStep = Type.Object({
  n: Type.Integer({ minimum: 1, maximum: 100_000 }),
  phase: StringEnum(BISECT_PHASES),
  tried: Type.Array(Option, {
    maxItems: 10_000,
    description: "options set to the bad side's values on top of the step's base (or the endpoint's name)",
  }),
  hash: Type.String({ maxLength: 100, description: "the resolved config's hash" }),
  distance: Type.Integer({
    minimum: 0,
    maximum: 100_000,
    description: 'options in which the resolved config differs from the good endpoint',
  }),
  verdict: StringEnum(BISECT_VERDICTS),
  outcome: Type.String({ maxLength: 2000 }),
  built: Type.Boolean({ description: 'false when the verdict came from the cache' }),
  buildId: MaybeNull(Id()),
  bootId: MaybeNull(Id()),
});
export type BisectStep = Static<typeof BisectStep>;

export const BisectCulprit = Type.Object({
  option: Option,
  good: OrNull(Type.String({ maxLength: 2000 })),
  bad: OrNull(Type.String({ maxLength: 2000 })),
  via: StringEnum(['hint', 'bisect'] as const, 'a hint tested alone, or the last step of a bisection'),
  confirmed: Type.Boolean({ description: 'the good config with only this change was bad' }),
  with: Type.Array(Option, {
    maxItems: 10_000,
    description: 'options that changed with it after olddefconfig',
  }),
});
export type BisectCulprit = Static<typeof BisectCulprit>;

export const BisectReport = Type.Object({
  status: StringEnum(['found', 'not_found', 'budget', 'bad_endpoints'] as const),
  message: Type.String({ maxLength: 4000 }),
  culprits: Type.Array(BisectCulprit, { maxItems: 10_000 }),
  suspects: Type.Array(Option, { maxItems: 10_000 }),
  steps: Type.Array(BisectStep, { maxItems: 10_000 }),
  builds: Count,
  differing: Count,
  lastGood: OrNull(Type.String({ maxLength: 100 })),
  firstBad: OrNull(Type.String({ maxLength: 100 })),
});
export type BisectReport = Static<typeof BisectReport>;

/** The search state: its steps and build count are read here, the rest is the runner's to resume from. */
const BisectState = Type.Object(
  {
    version: Type.Literal(1),
    steps: Type.Array(BisectStep, { maxItems: 10_000 }),
    builds: Count,
  },
  { additionalProperties: true },
);

/** `PUT /api/bisections/:key`: a runner's bisection as it stands after a step. */
export const BisectionInput = Type.Object({
  variant: Label,
  good: Label,
  bad: Label,
  status: StringEnum(BISECTION_STATUSES),
  builds: Count,
  maxBuilds: Type.Integer({ minimum: 0, maximum: 100_000 }),
  state: BisectState,
  report: OrNull(BisectReport),
  error: MaybeNull(Type.String({ maxLength: 4000 })),
  agent: MaybeNull(Type.String({ maxLength: 200, description: "who runs it: the agent's name or the host" })),
});
export type BisectionInput = Static<typeof BisectionInput>;

/** One row of `GET /api/bisections`, newest first (no state blob). */
export const BisectionSummary = Type.Object({
  id: Type.Integer(),
  submittedBy: Nullable(Type.String({ description: 'the name of the token that submitted it' })),
  key: Type.String(),
  variant: Type.String(),
  good: Type.String(),
  bad: Type.String(),
  status: StringEnum(BISECTION_STATUSES),
  builds: Type.Integer(),
  maxBuilds: Type.Integer(),
  culprits: Type.Array(Type.String()),
  message: Nullable(Type.String()),
  agent: Nullable(Type.String()),
  startedAt: Timestamp,
  updatedAt: Timestamp,
});
export type BisectionSummary = Static<typeof BisectionSummary>;

/** `GET /api/bisections/:id`: the steps so far (or the report's), the culprits, the conclusion. */
export const BisectionDetail = Type.Object({
  ...BisectionSummary.properties,
  culprits: Type.Array(BisectCulprit),
  suspects: Type.Array(Type.String()),
  steps: Type.Array(BisectStep),
  differing: Nullable(Type.Integer()),
  error: Nullable(Type.String()),
  state: Type.Optional(Type.Unknown({ description: 'with ?state=true: the resumable search state' })),
});
export type BisectionDetail = Static<typeof BisectionDetail>;
