/** Bisections: what runners put after every step, and the list and detail the dashboard reads. */
import { type TSchema, Type } from '@sinclair/typebox';
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

const Option = Type.String({ minLength: 1, maxLength: 200 });
const Label = Type.String({ minLength: 1, maxLength: 500 });
const Count = Type.Integer({ minimum: 0, maximum: 100_000 });

export const BisectStep = Type.Object({
  n: Type.Integer({ minimum: 1, maximum: 100_000 }),
  phase: StringEnum(['endpoint', 'hint', 'fragment', 'option', 'confirm'] as const),
  tried: Type.Array(Option, { maxItems: 10_000 }),
  hash: Type.String({ maxLength: 100 }),
  distance: Count,
  verdict: StringEnum(['good', 'bad', 'skip'] as const),
  outcome: Type.String({ maxLength: 2000 }),
  built: Type.Boolean(),
  buildId: MaybeNull(Id()),
  bootId: MaybeNull(Id()),
});

export const BisectCulprit = Type.Object({
  option: Option,
  good: OrNull(Type.String({ maxLength: 2000 })),
  bad: OrNull(Type.String({ maxLength: 2000 })),
  via: StringEnum(['hint', 'bisect'] as const),
  confirmed: Type.Boolean(),
  with: Type.Array(Option, { maxItems: 10_000 }),
});

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

/** The search state: its steps and build count are read here, the rest is the runner's to resume from. */
export const BisectState = Type.Object(
  {
    version: Type.Literal(1),
    steps: Type.Array(BisectStep, { maxItems: 10_000 }),
    builds: Count,
  },
  { additionalProperties: true },
);

/** Named `ref` like the GET's parameter: OpenAPI forbids two paths differing only by a parameter's name. */
export const BisectionKeyParams = Type.Object({
  ref: Type.String({ pattern: '^[0-9a-f]{16}$', description: "the runner's state key (16 hex digits)" }),
});

/** An id (at most 10 digits) or a 16-hex-digit key: the lengths never collide. */
export const BisectionRefParams = Type.Object({
  ref: Type.String({ pattern: '^([1-9][0-9]{0,9}|[0-9a-f]{16})$', description: 'id or state key' }),
});

export const BisectionDetailQuery = Type.Object({
  state: Type.Boolean({ default: false, description: 'include the resumable state (for runners)' }),
});

export const BisectionListQuery = Type.Object({
  limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
});

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
  agent: MaybeNull(Type.String({ maxLength: 200 })),
});

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

export const BisectionDetail = Type.Object({
  ...BisectionSummary.properties,
  culprits: Type.Array(BisectCulprit),
  suspects: Type.Array(Type.String()),
  steps: Type.Array(BisectStep),
  differing: Nullable(Type.Integer()),
  error: Nullable(Type.String()),
  state: Type.Optional(Type.Unknown({ description: 'with ?state=true: the resumable search state' })),
});
