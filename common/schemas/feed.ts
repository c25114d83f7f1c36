/** WS /api/feed: the messages the live feed pushes to dashboards. */
import { type Static, Type } from '@sinclair/typebox';
import { BISECTION_STATUSES } from './bisections.ts';
import { CLIMB_PHASES, CLIMB_STATUSES } from './climbs.ts';
import { Nullable, StringEnum } from './common.ts';
import { ISSUE_STATUSES } from './issues.ts';
import { BOOT_OUTCOMES, BootEvent } from './parse.ts';

const Id = Type.Integer();

/** First message on every feed socket: from here on nothing is missed (fetch history after it). */
const FeedSubscribed = Type.Object({ type: Type.Literal('subscribed'), bootId: Nullable(Id) });

const FeedBoot = Type.Object({
  type: Type.Literal('boot'),
  bootId: Id,
  variant: Nullable(Type.String()),
  state: StringEnum(['started', 'finished'] as const),
  outcome: Type.Optional(StringEnum(BOOT_OUTCOMES)),
});

const FeedLines = Type.Object({
  type: Type.Literal('lines'),
  bootId: Id,
  lines: Type.Array(
    Type.Object({
      line: Type.Integer(),
      time: Nullable(Type.Number()),
      cls: Type.String(),
      text: Type.String(),
    }),
  ),
});

const FeedEvents = Type.Object({
  type: Type.Literal('events'),
  bootId: Id,
  events: Type.Array(BootEvent),
});

const FeedBuild = Type.Object({
  type: Type.Literal('build'),
  buildId: Nullable(Id),
  variant: Type.String(),
  phase: Type.String(),
  percent: Type.Optional(Type.Number()),
  message: Type.Optional(Type.String()),
});

/** A bisection was stored after a step (or finished): dashboards showing it refetch. */
const FeedBisection = Type.Object({
  type: Type.Literal('bisection'),
  id: Id,
  key: Type.String(),
  variant: Type.String(),
  status: StringEnum(BISECTION_STATUSES),
  builds: Type.Integer(),
  maxBuilds: Type.Integer(),
  steps: Type.Integer(),
});

/** A climb was stored after an attempt (or finished): dashboards showing it refetch. */
const FeedClimb = Type.Object({
  type: Type.Literal('climb'),
  id: Id,
  key: Type.String(),
  variant: Type.String(),
  status: StringEnum(CLIMB_STATUSES),
  phase: StringEnum(CLIMB_PHASES),
  builds: Type.Integer(),
  maxBuilds: Type.Integer(),
  steps: Type.Integer({ description: 'attempts so far' }),
});

/** An issue was created by a finished boot, or its status changed (new / known / gone). */
const FeedIssue = Type.Object({
  type: Type.Literal('issue'),
  id: Id,
  signature: Type.String(),
  kind: Type.String(),
  title: Type.String(),
  status: StringEnum(ISSUE_STATUSES),
  previous: Nullable(StringEnum(ISSUE_STATUSES, 'the status announced before; null for a new issue')),
  bootId: Id,
});

/** Messages the live feed pushes to dashboards. */
export const FeedMessage = Type.Union([
  FeedSubscribed,
  FeedBoot,
  FeedLines,
  FeedEvents,
  FeedBuild,
  FeedBisection,
  FeedClimb,
  FeedIssue,
]);
export type FeedMessage = Static<typeof FeedMessage>;
