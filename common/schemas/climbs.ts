/**
 * Climbs (collector/analysis/climb.ts searches, runners/climb builds and boots, the collector
 * stores): the resumable state a runner puts after every attempt, and the list and detail
 * the dashboard reads. The state's shape is the search's own: one definition for both.
 */
import { type Static, type TSchema, Type } from '@sinclair/typebox';
import { MILESTONES } from '../types/parse.ts';
import { Id, Nullable, StringEnum, Timestamp } from './common.ts';
import { Diagnosis, STAGES } from './parse.ts';

// Null first: Fastify's ajv coerces types, and trying the other branch first turns a null into "" or 0.
const OrNull = <T extends TSchema>(s: T) => Type.Union([Type.Null(), s]);

/**
 * What a climb may aim at: the runner's completion marker, `network` (the runner's check that
 * the guest answers on its forwarded port), a boot stage or a milestone.
 */
export const CLIMB_GOALS = [
  'marker',
  'network',
  ...new Set([...STAGES.filter((s) => s !== 'no_output'), ...MILESTONES]),
] as ClimbGoal[];
export type ClimbGoal =
  | 'marker'
  | 'network'
  | Exclude<(typeof STAGES)[number], 'no_output'>
  | (typeof MILESTONES)[number];

export const CLIMB_PHASES = ['start', 'climb', 'minimise'] as const;
export type ClimbPhase = (typeof CLIMB_PHASES)[number];

/**
 * An attempt's verdict: kept; on trial (no further alone, but no worse: it stays while the
 * symptom's next option is tried on top, since some fixes need two options at once);
 * reverted; not built because the option did not land. In `minimise`, `kept` means the
 * option was dropped for good and `reverted` that it is needed.
 */
const CLIMB_VERDICTS = ['start', 'kept', 'trial', 'reverted', 'not_landed'] as const;

/** The search's status; a stored climb is `failed` when its run threw. */
export const CLIMB_STATUSES = ['running', 'reached', 'stuck', 'budget', 'failed'] as const;
export type ClimbStatus = (typeof CLIMB_STATUSES)[number];

const Stage = StringEnum(STAGES);
const Option = Type.String({ minLength: 1, maxLength: 200 });
const Text = Type.String({ maxLength: 4000 });
const Count = Type.Integer({ minimum: 0, maximum: 100_000 });
const Bytes = OrNull(Type.Integer({ minimum: -(2 ** 40), maximum: 2 ** 40 }));

/** One build and boot, as the climb judges it. */
export const ClimbEvaluation = Type.Object({
  outcome: Type.String({ maxLength: 200 }),
  lastStage: Stage,
  milestones: Type.Array(Type.String({ maxLength: 100 }), { maxItems: 100 }),
  marker: Type.Boolean({ description: "the runner's completion marker was printed" }),
  checks: Type.Array(Type.String({ maxLength: 100 }), {
    maxItems: 100,
    description: "the runner's checks that passed (`net`: the guest answered on its forwarded port)",
  }),
  diagnosis: Type.Array(Diagnosis, { maxItems: 1000 }),
  lastLine: Type.String({ maxLength: 20_000, description: 'the last console line (cited when stuck)' }),
  imageBytes: Bytes,
  buildId: OrNull(Id()),
  bootId: OrNull(Id()),
});
export type ClimbEvaluation = Static<typeof ClimbEvaluation>;

/** What the boot before an attempt showed, which the attempt's option was to fix. */
const ClimbSymptom = Type.Object({
  text: Type.String({ maxLength: 20_000, description: "the diagnosis rule and its evidence line's text" }),
  line: Type.Integer({ minimum: 0, description: 'the evidence line in that boot' }),
  stage: Stage,
  bootId: OrNull(Id('the boot that showed it')),
});

/** One attempt: the kernel as given, an option tried, or (minimise) an option tried away. */
export const ClimbAttempt = Type.Object({
  n: Type.Integer({ minimum: 1, maximum: 100_000 }),
  phase: StringEnum(CLIMB_PHASES),
  option: OrNull(Option),
  with: Type.Array(Option, {
    maxItems: 10_000,
    description: 'options that came with it: its unmet Kconfig dependencies and options on trial beneath it',
  }),
  symptom: OrNull(ClimbSymptom),
  verdict: StringEnum(CLIMB_VERDICTS),
  reason: Text,
  outcome: OrNull(Type.String({ maxLength: 200 })),
  lastStage: OrNull(Stage),
  imageBytes: Bytes,
  sizeAdded: { ...Bytes, description: 'image bytes against the kernel it was tried on' },
  builds: Count,
  buildId: OrNull(Id()),
  bootId: OrNull(Id()),
});
export type ClimbAttempt = Static<typeof ClimbAttempt>;

/** The search's state, saved after every attempt: what a runner on any host resumes from. */
export const ClimbState = Type.Object({
  goals: Type.Array(StringEnum(CLIMB_GOALS), { minItems: 1, maxItems: 32 }),
  maxBuilds: Type.Integer({ minimum: 1, maximum: 100_000 }),
  builds: Count,
  status: StringEnum(['running', 'reached', 'stuck', 'budget'] as const),
  phase: StringEnum(CLIMB_PHASES),
  options: Type.Array(Option, {
    maxItems: 10_000,
    description: 'the options of the current (best) kernel, in the order they were added',
  }),
  trial: Type.Array(Option, { maxItems: 10_000, description: 'options on trial on top of `options`' }),
  current: OrNull(ClimbEvaluation),
  tried: Type.Array(Option, {
    maxItems: 10_000,
    description: 'candidates already tried against the current kernel',
  }),
  attempts: Type.Array(ClimbAttempt, { maxItems: 10_000 }),
  minimised: Type.Array(Option, { maxItems: 10_000, description: 'options already tested for removal' }),
  built: Type.Optional(
    Type.Array(
      Type.Object({
        options: Type.Array(Option, { maxItems: 10_000, description: 'sorted' }),
        config: Type.Optional(
          Type.String({ maxLength: 128, description: "the resolved .config's identity (a hash)" }),
        ),
        attempt: Type.Integer({ minimum: 1, maximum: 100_000 }),
        evaluation: ClimbEvaluation,
      }),
      {
        maxItems: 100_000,
        description: 'every kernel built so far and its boot: the same .config is never built twice',
      },
    ),
  ),
  stopped: OrNull(
    Type.String({ maxLength: 20_000, description: 'why it stopped short: log line and stage' }),
  ),
});
export type ClimbState = Static<typeof ClimbState>;

/** An accepted rung of the ladder the climb found (derived from its kept attempts). */
export const ClimbRung = Type.Object({
  attempt: Type.Integer(),
  option: Type.String(),
  with: Type.Array(Type.String()),
  fixed: Type.String({ description: "the symptom it fixed: the rung's description in the ladder file" }),
  stage: Stage,
  imageBytes: Nullable(Type.Integer()),
  sizeAdded: Nullable(Type.Integer()),
});
export type ClimbRung = Static<typeof ClimbRung>;

const Label = Type.String({ minLength: 1, maxLength: 500 });

/** `PUT /api/climbs/:key`: a runner's climb as it stands after an attempt. */
export const ClimbInput = Type.Object({
  matrix: Label,
  variant: Label,
  status: StringEnum(CLIMB_STATUSES),
  state: ClimbState,
  error: Type.Optional(OrNull(Type.String({ maxLength: 4000 }))),
  agent: Type.Optional(
    OrNull(Type.String({ maxLength: 200, description: "who runs it: the agent's name or the host" })),
  ),
});
export type ClimbInput = Static<typeof ClimbInput>;

/** One row of `GET /api/climbs`, the most recently updated first. */
export const ClimbSummary = Type.Object({
  id: Type.Integer(),
  key: Type.String(),
  matrix: Type.String(),
  variant: Type.String(),
  goals: Type.Array(Type.String()),
  status: StringEnum(CLIMB_STATUSES),
  phase: StringEnum(CLIMB_PHASES),
  builds: Type.Integer(),
  maxBuilds: Type.Integer(),
  steps: Type.Integer({ description: 'attempts so far' }),
  kept: Type.Integer({ description: 'options kept so far (rungs of the ladder)' }),
  stage: Nullable(StringEnum(STAGES, "the current kernel's last stage")),
  stopped: Nullable(Type.String()),
  error: Nullable(Type.String()),
  agent: Nullable(Type.String()),
  submittedBy: Nullable(Type.String({ description: 'the name of the token that submitted it' })),
  startedAt: Timestamp,
  updatedAt: Timestamp,
});
export type ClimbSummary = Static<typeof ClimbSummary>;

/**
 * A boot's or build's place in a climb (`climbAttempts` of `GET /api/boots/:id` and
 * `GET /api/builds/:id`): the climb, and the attempt it was made for.
 */
export const ClimbAttemptLink = Type.Object({
  climb: Type.Pick(ClimbSummary, ['id', 'matrix', 'variant', 'goals', 'status', 'maxBuilds']),
  attempt: Type.Pick(ClimbAttempt, [
    'n',
    'phase',
    'option',
    'with',
    'symptom',
    'verdict',
    'reason',
    'builds',
    'sizeAdded',
  ]),
});
export type ClimbAttemptLink = Static<typeof ClimbAttemptLink>;

/** `GET /api/climbs/:id`: every attempt, the ladder so far and the fragment. */
export const ClimbDetail = Type.Object({
  ...ClimbSummary.properties,
  attempts: Type.Array(ClimbAttempt),
  rungs: Type.Array(ClimbRung),
  options: Type.Array(Type.String({ description: "the current kernel's added options" })),
  fragment: Type.String({ description: 'the added options as a .config fragment (minimal once reached)' }),
  state: Type.Optional(ClimbState),
});
export type ClimbDetail = Static<typeof ClimbDetail>;
