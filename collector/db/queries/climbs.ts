/** Stored climbs: runners upsert them after every attempt; the dashboard lists and opens them. */
import { desc, eq, sql } from 'drizzle-orm';
import type {
  ClimbAttempt,
  ClimbAttemptLink,
  ClimbDetail,
  ClimbInput,
  ClimbState,
  ClimbSummary,
} from '../../../common/types/api.ts';
import { climbFragment, climbRungs } from '../../analysis/climb.ts';
import type { Db } from '../client.ts';
import { iso } from '../rows.ts';
import { cleanJson, cleanNullable, cleanText } from '../sanitize.ts';
import { climbs, NO_SUBMITTER, type Submitter } from '../schema/index.ts';

/** Creates or replaces the climb with this key; returns its id. */
export async function upsertClimb(
  db: Db,
  key: string,
  input: ClimbInput,
  by: Submitter = NO_SUBMITTER,
): Promise<number> {
  const s = input.state;
  const values = {
    matrix: cleanText(input.matrix),
    variant: cleanText(input.variant),
    goals: s.goals,
    status: input.status,
    phase: s.phase,
    builds: s.builds,
    maxBuilds: s.maxBuilds,
    stage: s.current?.lastStage ?? null,
    stopped: cleanNullable(s.stopped),
    state: cleanJson(s),
    error: cleanNullable(input.error),
    agent: cleanNullable(input.agent),
  };
  const [row] = await db
    .insert(climbs)
    .values({ key, ...values, ...by })
    .onConflictDoUpdate({ target: climbs.key, set: { ...values, updatedAt: sql`now()` } })
    .returning({ id: climbs.id });
  return row.id;
}

// The list reads two counts out of the state, never the state itself.
const summaryColumns = {
  id: climbs.id,
  key: climbs.key,
  matrix: climbs.matrix,
  variant: climbs.variant,
  goals: climbs.goals,
  status: climbs.status,
  phase: climbs.phase,
  builds: climbs.builds,
  maxBuilds: climbs.maxBuilds,
  stage: climbs.stage,
  stopped: climbs.stopped,
  error: climbs.error,
  agent: climbs.agent,
  submittedBy: climbs.submittedBy,
  startedAt: climbs.startedAt,
  updatedAt: climbs.updatedAt,
  steps: sql<number>`jsonb_array_length(${climbs.state}->'attempts')::int`,
  kept: sql<number>`(select count(*)::int from jsonb_array_elements(${climbs.state}->'attempts') a
    where a->>'phase' = 'climb' and a->>'verdict' = 'kept')`,
};

type SummaryRow = Omit<ClimbSummary, 'startedAt' | 'updatedAt'> & { startedAt: Date; updatedAt: Date };

const summaryOf = (r: SummaryRow): ClimbSummary => ({
  ...r,
  steps: Number(r.steps),
  kept: Number(r.kept),
  startedAt: iso(r.startedAt)!,
  updatedAt: iso(r.updatedAt)!,
});

/** Climbs, the most recently updated first. */
export async function listClimbs(db: Db, limit = 100): Promise<ClimbSummary[]> {
  const rows = await db
    .select(summaryColumns)
    .from(climbs)
    .orderBy(desc(climbs.updatedAt), desc(climbs.id))
    .limit(limit);
  return rows.map(summaryOf);
}

/** One climb by id or key: every attempt, the ladder so far and the fragment; the state when asked for. */
export async function getClimb(
  db: Db,
  ref: { id: number } | { key: string },
  withState = false,
): Promise<ClimbDetail | null> {
  const [r] = await db
    .select({ ...summaryColumns, state: climbs.state })
    .from(climbs)
    .where('id' in ref ? eq(climbs.id, ref.id) : eq(climbs.key, ref.key));
  if (!r) return null;
  const { state, ...summary } = r as typeof r & { state: ClimbState };
  return {
    ...summaryOf(summary),
    attempts: state.attempts,
    rungs: climbRungs(state),
    options: state.options,
    fragment: climbFragment(state),
    ...(withState ? { state } : {}),
  };
}

/** The climb attempts a boot or build was made for, by climb then step (the GIN index finds the climbs). */
export async function climbAttemptsOf(
  db: Db,
  of: { bootId: number } | { buildId: number },
): Promise<ClimbAttemptLink[]> {
  const [field, id] = 'bootId' in of ? (['bootId', of.bootId] as const) : (['buildId', of.buildId] as const);
  const rows = await db
    .select({
      id: climbs.id,
      matrix: climbs.matrix,
      variant: climbs.variant,
      goals: climbs.goals,
      status: climbs.status,
      maxBuilds: climbs.maxBuilds,
      attempts: sql<ClimbAttempt[]>`${climbs.state} -> 'attempts'`,
    })
    .from(climbs)
    .where(sql`${climbs.state} -> 'attempts' @> ${JSON.stringify([{ [field]: id }])}::jsonb`)
    .orderBy(climbs.id);
  return rows.flatMap(({ attempts, ...climb }) =>
    attempts
      .filter((a) => a[field] === id)
      .map(({ n, phase, option, with: w, symptom, verdict, reason, builds, sizeAdded }) => ({
        climb,
        attempt: { n, phase, option, with: w, symptom, verdict, reason, builds, sizeAdded },
      })),
  );
}
