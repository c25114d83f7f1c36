/** Boots: create (idempotently), list, read, and record how they ended. */
import { and, desc, eq, inArray, type SQL, sql } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import type { BootState, BootSummary } from '../../../common/types/api.ts';
import type { BootCheck, BootInput, BootOutcome, BootTarget, Status } from '../../../common/types/ingest.ts';
import type { Arch, Outcome, ParseResult } from '../../../common/types/parse.ts';
import type { Db } from '../client.ts';
import { iso } from '../rows.ts';
import { cleanJson, cleanNullable, jsonText } from '../sanitize.ts';
import { boots, NO_SUBMITTER, type Submitter, variants } from '../schema/index.ts';

export interface CreatedBoot {
  id: number;
  /** False when the idempotency key named an existing boot. */
  created: boolean;
}

/** Stores a new boot, or returns the one with the same idempotency key. */
export async function createBoot(
  db: Db,
  input: BootInput,
  variantId: number | null,
  by: Submitter = NO_SUBMITTER,
): Promise<CreatedBoot> {
  const values = {
    buildId: input.buildId ?? null,
    variantId,
    target: input.target,
    machine: cleanNullable(input.machine),
    accel: cleanNullable(input.accel),
    cmdline: cleanNullable(input.cmdline),
    memoryMb: input.memoryMb ?? null,
    cpus: input.cpus ?? null,
    host: cleanNullable(input.host),
    initIsScript: input.initIsScript ?? false,
    arch: input.arch ?? null,
    idempotencyKey: cleanNullable(input.idempotencyKey),
    meta: cleanJson(input.meta ?? {}),
    ...(input.startedAt ? { startedAt: new Date(input.startedAt) } : {}),
    ...by,
  };
  const [row] = await db
    .insert(boots)
    .values(values)
    .onConflictDoNothing({ target: boots.idempotencyKey })
    .returning({ id: boots.id });
  if (row) return { id: row.id, created: true };
  const [existing] = await db
    .select({ id: boots.id })
    .from(boots)
    .where(eq(boots.idempotencyKey, values.idempotencyKey!));
  return { id: existing.id, created: false };
}

const summaryColumns = {
  id: boots.id,
  variant: variants.name,
  buildId: boots.buildId,
  target: boots.target,
  arch: boots.arch,
  machine: boots.machine,
  accel: boots.accel,
  state: boots.state,
  outcome: boots.outcome,
  status: boots.status,
  startedAt: boots.startedAt,
  finishedAt: boots.finishedAt,
  durationMs: boots.durationMs,
  kernel: boots.kernel,
  panic: boots.panic,
  milestones: boots.milestones,
  lastStage: boots.lastStage,
  crashCount: boots.crashCount,
  firstCrash: boots.firstCrash,
  topDiagnosis: boots.topDiagnosis,
  consoleBytes: boots.consoleBytes,
  consoleLines: boots.consoleLines,
  submittedBy: boots.submittedBy,
};

function selectSummaries(db: Db) {
  return db
    .select(summaryColumns)
    .from(boots)
    .leftJoin(variants, eq(variants.id, boots.variantId))
    .$dynamic();
}

type SummaryRow = Awaited<ReturnType<typeof selectSummaries>>[number];

function toSummary(r: SummaryRow): BootSummary {
  return {
    ...r,
    startedAt: iso(r.startedAt)!,
    finishedAt: iso(r.finishedAt),
    kernel: r.kernel ?? { version: null, cmdline: null },
    consoleBytes: Number(r.consoleBytes),
  };
}

export interface BootListParams {
  limit: number;
  variant?: string[];
  outcome?: BootOutcome[];
  target?: BootTarget[];
  arch?: Arch[];
  state?: BootState;
  buildId?: number;
  /** Only boots older than this boot (next page). */
  before?: number;
  /** Only boots newer than this boot (polling for new ones). */
  after?: number;
}

/** Boots newest first, filtered. */
export async function listBoots(db: Db, p: BootListParams): Promise<BootSummary[]> {
  const conds: (SQL | undefined)[] = [];
  if (p.outcome?.length) conds.push(inArray(boots.outcome, p.outcome));
  if (p.target?.length) conds.push(inArray(boots.target, p.target));
  if (p.arch?.length) conds.push(inArray(boots.arch, p.arch));
  if (p.state) conds.push(eq(boots.state, p.state));
  if (p.buildId) conds.push(eq(boots.buildId, p.buildId));
  if (p.before) conds.push(cursor(db, p.before, 'before'));
  if (p.after) conds.push(cursor(db, p.after, 'after'));
  const rows = await selectSummaries(db)
    .where(
      p.variant?.length ? inArray(boots.id, newestOfVariants(db, p.variant, conds, p.limit)) : and(...conds),
    )
    .orderBy(desc(boots.startedAt), desc(boots.id))
    .limit(p.limit);
  return rows.map(toSummary);
}

/**
 * Ids of each named variant's newest `limit` boots that meet `conds`, each variant read down its
 * own index: walking the whole lab's time index for a variant's (old or rare) boots reads history.
 */
function newestOfVariants(db: Db, names: string[], conds: (SQL | undefined)[], limit: number) {
  // In the lateral, `boots` is its own scan and `variants` the row of the enclosing subquery.
  const newest = db
    .select({ id: boots.id })
    .from(boots)
    .where(and(eq(boots.variantId, variants.id), ...conds))
    .orderBy(desc(boots.startedAt), desc(boots.id))
    .limit(limit)
    .as('newest');
  return db
    .select({ id: newest.id })
    .from(variants)
    .innerJoinLateral(newest, sql`true`)
    .where(inArray(variants.name, names));
}

/**
 * Rows strictly older (`before`) or newer (`after`) than the cursor boot in list order: one row
 * comparison, so an index on (started_at, id) starts at the cursor instead of filtering up to it.
 */
function cursor(db: Db, id: number, dir: 'before' | 'after'): SQL {
  const at = db.select({ t: boots.startedAt }).from(boots).where(eq(boots.id, id));
  return sql`(${boots.startedAt}, ${boots.id}) ${sql.raw(dir === 'before' ? '<' : '>')} ((${at}), ${id})`;
}

/** One boot's summary, or null. */
export async function getBootSummary(db: Db, id: number): Promise<BootSummary | null> {
  const [r] = await selectSummaries(db).where(eq(boots.id, id));
  return r ? toSummary(r) : null;
}

/** The facts a boot detail adds to its summary, plus the stored parse result. */
export async function getBootFacts(db: Db, id: number) {
  const [r] = await db
    .select({
      cmdline: boots.cmdline,
      memoryMb: boots.memoryMb,
      cpus: boots.cpus,
      host: boots.host,
      endReason: boots.endReason,
      harnessError: boots.harnessError,
      checks: boots.checks,
      meta: boots.meta,
      parseOutcome: boots.parseOutcome,
      initIsScript: boots.initIsScript,
      result: boots.result,
    })
    .from(boots)
    .where(eq(boots.id, id));
  return r ?? null;
}

/** What the console ingest needs to resume a boot. */
export async function getBootIngestState(db: Db, id: number) {
  const [r] = await db
    .select({
      id: boots.id,
      state: boots.state,
      outcome: boots.outcome,
      consoleBytes: boots.consoleBytes,
      consoleLines: boots.consoleLines,
      initIsScript: boots.initIsScript,
      cmdline: boots.cmdline,
      arch: boots.arch,
      markers: sql<string[] | null>`${boots.meta}->'markers'`,
      variant: variants.name,
      startedAt: boots.startedAt,
      eventCount: sql<number>`(select count(*)::int from events e where e.boot_id = ${boots.id})`,
    })
    .from(boots)
    .leftJoin(variants, eq(variants.id, boots.variantId))
    .where(eq(boots.id, id));
  return r ? { ...r, consoleBytes: Number(r.consoleBytes), eventCount: Number(r.eventCount) } : null;
}

/** The parser's view of a boot so far: refreshed while the console streams in. */
export async function updateBootSnapshots(
  db: Db,
  list: { id: number; result: ParseResult }[],
): Promise<void> {
  if (!list.length) return;
  // One statement for every running boot due a snapshot: the rows travel as one JSON document.
  const rows = list.map(({ id, result: r }) => ({
    id,
    kernel: r.kernel,
    version: r.kernel.version,
    panic: r.panic ?? null,
    milestones: r.milestones,
    stage: r.lastStage ?? null,
  }));
  await db.execute(sql`
    update ${boots} b set kernel = x.kernel, kernel_version = x.version, panic = x.panic,
      milestones = x.milestones, last_stage = x.stage
    from jsonb_to_recordset(${jsonText(rows)}::jsonb)
      as x(id int, kernel jsonb, version text, panic jsonb, milestones jsonb, stage text)
    where b.id = x.id`);
}

export interface BootFinish {
  outcome: BootOutcome;
  parseOutcome: Outcome;
  status: Status | null;
  endReason: string;
  harnessError: string | null;
  finishedAt: Date;
  durationMs: number | null;
  checks: BootCheck[];
  result: ParseResult;
  /** Lines stored, counting the last partial line the finish flushed. */
  consoleLines: number;
}

/** Records how a boot ended, with the whole parse result. */
export async function markBootFinished(db: Db, id: number, f: BootFinish): Promise<void> {
  const r = cleanJson(f.result);
  await db
    .update(boots)
    .set({
      state: 'finished',
      outcome: f.outcome,
      parseOutcome: f.parseOutcome,
      status: f.status,
      endReason: f.endReason,
      harnessError: cleanNullable(f.harnessError),
      finishedAt: f.finishedAt,
      durationMs: f.durationMs,
      checks: cleanJson(f.checks),
      consoleLines: f.consoleLines,
      kernel: r.kernel,
      kernelVersion: r.kernel.version,
      panic: r.panic,
      milestones: r.milestones,
      lastStage: r.lastStage,
      crashCount: r.crashes.length,
      firstCrash: r.crashes[0]?.title ?? null,
      topDiagnosis: r.diagnosis[0] ?? null,
      result: r,
      arch: r.arch ?? null,
    })
    .where(eq(boots.id, id));
}

/** What a repeated log import needs to know about the boot its idempotency key names. */
export async function getImportState(db: Db, id: number) {
  const [r] = await db
    .select({
      state: boots.state,
      outcome: boots.outcome,
      target: boots.target,
      harnessError: boots.harnessError,
      consoleBytes: boots.consoleBytes,
    })
    .from(boots)
    .where(eq(boots.id, id));
  return r ? { ...r, consoleBytes: Number(r.consoleBytes) } : null;
}

/** Ids of log imports still marked running (their importer may have died). */
export async function runningImports(db: Db): Promise<number[]> {
  const rows = await db
    .select({ id: boots.id })
    .from(boots)
    .where(and(eq(boots.state, 'running'), eq(boots.target, 'import')))
    .orderBy(boots.id);
  return rows.map((r) => r.id);
}

/** Marks a finished boot running again so the rest of its console can be stored (a resumed import). */
export async function reopenBoot(db: Db, id: number): Promise<void> {
  await db
    .update(boots)
    .set({
      state: 'running',
      outcome: null,
      parseOutcome: null,
      status: null,
      endReason: null,
      harnessError: null,
      finishedAt: null,
      durationMs: null,
      result: null,
    })
    .where(eq(boots.id, id));
}

/** The variant a boot belongs to (null: none, or no such boot). */
export async function bootVariantId(db: Db, id: number): Promise<number | null> {
  const [row] = await db.select({ variantId: boots.variantId }).from(boots).where(eq(boots.id, id));
  return row?.variantId ?? null;
}

/** The newest finished boot of the same variant before this one; with `preferBooted`, one that booted first. */
export async function earlierBoot(
  db: Db,
  id: number,
  opts: { preferBooted?: boolean } = {},
): Promise<number | null> {
  const b = alias(boots, 'b');
  const [prev] = await db
    .select({ id: boots.id })
    .from(boots)
    .innerJoin(b, and(eq(b.id, id), eq(boots.variantId, b.variantId)))
    .where(
      and(eq(boots.state, 'finished'), sql`(${boots.startedAt}, ${boots.id}) < (${b.startedAt}, ${b.id})`),
    )
    .orderBy(
      ...(opts.preferBooted ? [sql`(${boots.outcome} = 'booted') desc`] : []),
      desc(boots.startedAt),
      desc(boots.id),
    )
    .limit(1);
  return prev?.id ?? null;
}
