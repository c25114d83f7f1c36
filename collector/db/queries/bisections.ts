/** Stored bisections: runners upsert them after every step; the dashboard lists and opens them. */
import { desc, eq, sql } from 'drizzle-orm';
import type {
  BisectCulprit,
  BisectionDetail,
  BisectionInput,
  BisectionSummary,
} from '../../../common/types/api.ts';
import { type BisectState, differingOptions } from '../../analysis/bisect.ts';
import type { Db } from '../client.ts';
import { iso } from '../rows.ts';
import { cleanJson, cleanNullable, cleanText } from '../sanitize.ts';
import { bisections, NO_SUBMITTER, type Submitter } from '../schema/index.ts';

/** Creates or replaces the bisection with this key; returns its id. */
export async function upsertBisection(
  db: Db,
  key: string,
  input: BisectionInput,
  by: Submitter = NO_SUBMITTER,
): Promise<number> {
  const values = {
    variant: cleanText(input.variant),
    good: cleanText(input.good),
    bad: cleanText(input.bad),
    status: input.status,
    builds: input.builds,
    maxBuilds: input.maxBuilds,
    state: cleanJson(input.state),
    report: input.report ? cleanJson(input.report) : null,
    error: cleanNullable(input.error),
    agent: cleanNullable(input.agent),
  };
  const [row] = await db
    .insert(bisections)
    .values({ key, ...values, ...by })
    .onConflictDoUpdate({ target: bisections.key, set: { ...values, updatedAt: sql`now()` } })
    .returning({ id: bisections.id });
  return row.id;
}

// The list never reads the state blob: a bisection of two full configs carries thousands of options.
const summaryColumns = {
  id: bisections.id,
  key: bisections.key,
  variant: bisections.variant,
  good: bisections.good,
  bad: bisections.bad,
  status: bisections.status,
  builds: bisections.builds,
  maxBuilds: bisections.maxBuilds,
  agent: bisections.agent,
  error: bisections.error,
  startedAt: bisections.startedAt,
  updatedAt: bisections.updatedAt,
  submittedBy: bisections.submittedBy,
  culprits: sql<BisectCulprit[] | null>`${bisections.report}->'culprits'`,
  message: sql<string | null>`${bisections.report}->>'message'`,
};

interface SummaryRow {
  id: number;
  key: string;
  variant: string;
  good: string;
  bad: string;
  status: BisectionSummary['status'];
  builds: number;
  maxBuilds: number;
  agent: string | null;
  error: string | null;
  startedAt: Date;
  updatedAt: Date;
  submittedBy: string | null;
  culprits: BisectCulprit[] | null;
  message: string | null;
}

function summaryOf(r: SummaryRow): BisectionSummary {
  return {
    id: r.id,
    key: r.key,
    variant: r.variant,
    good: r.good,
    bad: r.bad,
    status: r.status,
    builds: r.builds,
    maxBuilds: r.maxBuilds,
    culprits: (r.culprits ?? []).map((c) => c.option),
    message: r.message ?? r.error,
    agent: r.agent,
    startedAt: iso(r.startedAt)!,
    updatedAt: iso(r.updatedAt)!,
    submittedBy: r.submittedBy,
  };
}

/** Bisections, the most recently updated first. */
export async function listBisections(db: Db, limit = 100): Promise<BisectionSummary[]> {
  const rows = await db
    .select(summaryColumns)
    .from(bisections)
    .orderBy(desc(bisections.updatedAt), desc(bisections.id))
    .limit(limit);
  return rows.map(summaryOf);
}

/** One bisection by id or key, with its steps; the state blob only when asked for. */
export async function getBisection(
  db: Db,
  ref: { id: number } | { key: string },
  withState = false,
): Promise<BisectionDetail | null> {
  const [r] = await db
    .select()
    .from(bisections)
    .where('id' in ref ? eq(bisections.id, ref.id) : eq(bisections.key, ref.key));
  if (!r) return null;
  const report = r.report;
  const state = r.state as unknown as BisectState;
  return {
    ...summaryOf({ ...r, culprits: null, message: report?.message ?? null }),
    culprits: report?.culprits ?? [],
    suspects: report?.suspects ?? [],
    // While it runs the report is null: the steps so far are the state's.
    steps: report?.steps ?? r.state.steps ?? [],
    differing: report?.differing ?? differingCount(state),
    error: r.error,
    ...(withState ? { state: r.state } : {}),
  };
}

/** Options in which the two sides differ, from the state's inputs (before any report). */
function differingCount(state: BisectState): number | null {
  const { good, bad } = state.input ?? {};
  if (!Array.isArray(good) || !Array.isArray(bad)) return null;
  const dec = (e: [string, string | null][]) => new Map(e.filter((x): x is [string, string] => x[1] != null));
  return differingOptions(dec(good), dec(bad)).length;
}
