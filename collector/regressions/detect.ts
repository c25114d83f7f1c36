/**
 * Regression detection on every stored boot and build: load the variant's recent runs,
 * judge the new one against its baseline (pinned, else the last good run) and the noise of
 * its history, open what got worse, close what the new run shows fixed. Runs one at a time
 * per database, after the verdict is stored, so it never slows the ingest's answer; readers
 * `settle` first to see its results.
 */
import { eq } from 'drizzle-orm';
import { isScratchVariant } from '../../common/variant-names.ts';
import { alertsForDetection, alertsForIssues } from '../alerts/raise.ts';
import {
  DEFAULT_REGRESSION_OPTIONS,
  detectRegressions,
  pickBaseline,
  type RegressionOptions,
  type RunFacts,
  recoveredFrom,
  reviewOpen,
} from '../analysis/regressions.ts';
import type { Db } from '../db/client.ts';
import { isDbUnavailable } from '../db/errors.ts';
import { recordBootIssues, recordIssuesOfBoots, ungroupedBoots } from '../db/queries/issue-grouping.ts';
import { type IssueMessage, issueChanges } from '../db/queries/issue-status.ts';
import {
  getThresholds,
  insertRegressions,
  markFixed,
  openRegressions,
  pinnedBaseline,
} from '../db/queries/regressions.ts';
import { loadBootRun, loadRuns } from '../db/queries/runs.ts';
import { boots, builds, variants } from '../db/schema/index.ts';
import { claimBootAnalysis } from './analysis-claim.ts';

export interface DetectionResult {
  opened: number[];
  fixed: number[];
  /** A boot that booted after the variant's last boot failed, and that failed run. */
  recovered: { boot: RunFacts; from: RunFacts } | null;
}

const queues = new WeakMap<Db, Promise<unknown>>();

/** `o` over `base`, one level deep: `{ size: { bytes: 4096 } }` keeps the other size limits. */
export function mergeOptions(
  base: RegressionOptions,
  o: Partial<RegressionOptions> | null,
): RegressionOptions {
  const out = { ...base } as Record<string, unknown>;
  for (const [k, v] of Object.entries(o ?? {})) {
    const cur = out[k];
    out[k] =
      v && typeof v === 'object' && !Array.isArray(v) && cur && typeof cur === 'object'
        ? { ...cur, ...v }
        : v;
  }
  return out as unknown as RegressionOptions;
}

/** Queues `job` behind the database's earlier detections. */
function enqueue<T>(db: Db, job: () => Promise<T>): Promise<T> {
  const prev = queues.get(db) ?? Promise.resolve();
  const next = prev.then(job, job);
  queues.set(
    db,
    next.catch(() => {}),
  );
  return next;
}

/** Resolves once every detection queued so far on the database has run. */
export async function settleRegressions(db: Db): Promise<void> {
  await queues.get(db);
}

/** Starts detection for a finished boot; never throws (a failure is reported on stderr). */
export function regressionsAfterBoot(db: Db, bootId: number): Promise<DetectionResult | null> {
  return enqueue(db, () =>
    guarded(`boot ${bootId}`, async () =>
      (await claimBootAnalysis(db, bootId, 'regressions')) ? detectForBoot(db, bootId) : null,
    ),
  );
}

/** Starts detection for a stored build (a broken build never boots); never throws. */
export function regressionsAfterBuild(db: Db, buildId: number): Promise<DetectionResult | null> {
  return enqueue(db, () => guarded(`build ${buildId}`, () => detectForBuild(db, buildId)));
}

/**
 * Groups a finished boot's failures into issues, in the same queue as detection, and
 * announces created issues and status changes through `publish`; never throws.
 */
export function issuesAfterBoot(
  db: Db,
  bootId: number,
  publish?: (m: IssueMessage) => void,
): Promise<number | null> {
  return enqueue(db, () =>
    guarded(
      `boot ${bootId}`,
      async () =>
        (await claimBootAnalysis(db, bootId, 'issues')) ? groupIssues(db, bootId, publish ?? null) : null,
      'issue grouping',
    ),
  );
}

async function groupIssues(
  db: Db,
  bootId: number,
  publish: ((m: IssueMessage) => void) | null,
): Promise<number | null> {
  const recorded = await recordBootIssues(db, bootId);
  // A clean boot matters too: it may be the one an issue is gone with.
  await alertsForIssues(db, bootId);
  if (!recorded) return null;
  const changes = await issueChanges(db, bootId, recorded.created, publish !== null);
  for (const m of changes) publish?.(m);
  return recorded.count;
}

/**
 * A boot that finished this recently may be on a dashboard now, its own grouping still queued
 * at the collector that finished it: whoever groups it first announces it, or nobody would.
 */
const LIVE_FINISH_MS = 10 * 60_000;

/**
 * Boots per set-based grouping in the backfill: each batch upserts every (issue, variant)
 * summary it touches once, so bigger batches write far fewer rows; a batch holds only the
 * boots' crash titles and failure events, not their results.
 */
export const BACKFILL_BATCH = 500;

/**
 * Groups the failures of boots stored before issues existed (or whose grouping failed), in
 * the detection queue, oldest first, a batch at a time; idempotent. Quiet on the live feed
 * but for boots finished within LIVE_FINISH_MS. Returns how many boots it read.
 */
export async function backfillIssues(
  db: Db,
  publish?: (m: IssueMessage) => void,
  batch = BACKFILL_BATCH,
): Promise<number> {
  const tried = new Set<number>();
  for (;;) {
    const found = await ungroupedBoots(db, batch + tried.size);
    const todo = found.filter((b) => !tried.has(b.id)).slice(0, batch);
    if (!todo.length) return tried.size;
    for (const b of todo) tried.add(b.id);
    const live = new Set(
      todo
        .filter((b) => b.finishedAt && Date.now() - b.finishedAt.getTime() < LIVE_FINISH_MS)
        .map((b) => b.id),
    );
    await enqueue(db, () =>
      backfillBatch(
        db,
        todo.map((b) => b.id),
        (id) => (live.has(id) ? (publish ?? null) : null),
      ),
    );
  }
}

/**
 * One set-based grouping for the batch, then each boot's alerts and statuses in order, as
 * grouping them one by one would leave them. A batch that fails goes one boot at a time, so
 * one bad boot leaves no other ungrouped.
 */
async function backfillBatch(
  db: Db,
  ids: number[],
  publishFor: (id: number) => ((m: IssueMessage) => void) | null,
): Promise<void> {
  const span = `boots ${ids[0]}..${ids.at(-1)}`;
  const recorded = await guarded(span, () => recordIssuesOfBoots(db, ids), 'issue backfill');
  for (const [i, id] of ids.entries())
    await guarded(
      `boot ${id}`,
      async () => {
        const publish = publishFor(id);
        if (!recorded) return groupIssues(db, id, publish);
        await alertsForIssues(db, id, ids.slice(i + 1));
        const r = recorded.get(id);
        if (r) for (const m of await issueChanges(db, id, r.created, publish !== null)) publish?.(m);
        return r?.count ?? null;
      },
      'issue backfill',
    );
}

async function guarded<T>(
  what: string,
  f: () => Promise<T | null>,
  task = 'regression detection',
): Promise<T | null> {
  try {
    return await f();
  } catch (err) {
    const cause = (err as { cause?: Error }).cause;
    const why = cause?.message ?? (err as Error).message.split('\n')[0];
    // A database closed under a queued detection (shutdown, tests) is not worth a word.
    if (isDbUnavailable(err) || /PGlite is closing/.test(why)) return null;
    // Detection is advice on top of stored facts: its failure must not fail the ingest.
    process.stderr.write(`bootwatch: ${task} for ${what} failed: ${why}\n`);
    return null;
  }
}

/** Detection for one finished boot, now. */
async function detectForBoot(db: Db, bootId: number): Promise<DetectionResult | null> {
  const [row] = await db
    .select({ variantId: boots.variantId, state: boots.state, name: variants.name })
    .from(boots)
    .leftJoin(variants, eq(variants.id, boots.variantId))
    .where(eq(boots.id, bootId));
  if (!row || row.variantId == null || row.state !== 'finished' || isScratchVariant(row.name)) return null;
  const current = await loadBootRun(db, bootId);
  if (!current) return null;
  const opts = await optionsFor(db, row.variantId);
  const history = await loadRuns(db, row.variantId, { limit: opts.historyLength, beforeBoot: bootId });
  return judge(db, row.variantId, current, history, opts);
}

/** Detection for a stored build: build breakage, size and build time. */
async function detectForBuild(db: Db, buildId: number): Promise<DetectionResult | null> {
  const [row] = await db
    .select({ variantId: builds.variantId, name: variants.name })
    .from(builds)
    .innerJoin(variants, eq(variants.id, builds.variantId))
    .where(eq(builds.id, buildId));
  if (!row || isScratchVariant(row.name)) return null;
  const [current] = await loadRuns(db, row.variantId, { limit: 1, only: { build: buildId } });
  if (!current) return null;
  const opts = await optionsFor(db, row.variantId);
  const history = await loadRuns(db, row.variantId, { limit: opts.historyLength, beforeBuild: buildId });
  return judge(db, row.variantId, current, history, opts);
}

/** The global thresholds with the variant's own overrides on top. */
async function optionsFor(db: Db, variantId: number): Promise<RegressionOptions> {
  return mergeOptions(DEFAULT_REGRESSION_OPTIONS, await getThresholds(db, variantId));
}

async function judge(
  db: Db,
  variantId: number,
  current: RunFacts,
  history: RunFacts[],
  options: RegressionOptions,
): Promise<DetectionResult> {
  const pinnedId = await pinnedBaseline(db, variantId);
  const pinned = pinnedId != null && pinnedId !== current.bootId ? await loadBootRun(db, pinnedId) : null;
  const baseline = pickBaseline(history, pinned);
  const found = detectRegressions({ current, baseline, history, options });
  const open = await openRegressions(db, variantId);
  const { fixed, still } = reviewOpen(open, current, options);
  const run = { bootId: current.bootId, buildId: current.buildId };
  await markFixed(
    db,
    fixed.map((f) => f.id),
    run,
  );
  const stillKeys = new Set(still.map((f) => f.key));
  const opened = await insertRegressions(
    db,
    variantId,
    found.filter((f) => !stillKeys.has(f.key)),
    run,
    baseline && { bootId: baseline.bootId, buildId: baseline.buildId },
  );
  const from = recoveredFrom(current, history);
  const result = { opened, fixed: fixed.map((f) => f.id), recovered: from && { boot: current, from } };
  await alertsForDetection(db, result);
  return result;
}
