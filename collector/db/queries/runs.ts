/**
 * A variant's runs as regression detection reads them: each finished boot with its build,
 * and each build that never booted; with the crashes, troubling events and initcalls.
 */
import { and, asc, desc, eq, exists, inArray, lt, not, or, type SQL, sql } from 'drizzle-orm';
import { type PgColumn, unionAll } from 'drizzle-orm/pg-core';
import type { BootCheck, BootOutcome } from '../../../common/types/ingest.ts';
import type { Arch, BootEvent, Milestones } from '../../../common/types/parse.ts';
import type { FailureBoot } from '../../analysis/failures.ts';
import type { RunFacts } from '../../analysis/regressions.ts';
import type { Db } from '../client.ts';
import { iso, jsonValue, rowsOf } from '../rows.ts';
import { boots, builds, crashes, events, initcalls, variants } from '../schema/index.ts';

/** Event kinds regression detection and failure grouping look at. */
const KINDS: BootEvent['kind'][] = [
  'error',
  'kernel_error',
  'mount_failed',
  'init_exec',
  'missing_config',
  'probe',
];

/** What a run keeps of its build (null for a boot without one). */
const runBuild = {
  buildStatus: builds.status,
  wallMs: builds.wallMs,
  image: builds.imageSize,
  vmlinux: builds.vmlinuxSize,
  text: builds.textSize,
  data: builds.dataSize,
  bss: builds.bssSize,
};

/** A variant's runs as one relation: finished boots, and builds that never booted. */
function runsOf(db: Db, variantId: number) {
  const booted = db
    .select({
      bootId: sql<number | null>`${boots.id}`.as('boot_id'),
      buildId: boots.buildId,
      variant: variants.name,
      at: sql<Date>`${boots.startedAt}`.as('at'),
      // A boot its runner cut short (an agent stopped, a lease lost) is SKIP: no word on the
      // kernel, so it neither regresses, fixes nor serves as a baseline; its build still counts.
      outcome:
        sql<BootOutcome | null>`case when ${boots.endReason} = 'cancelled' then null else ${boots.outcome} end`.as(
          'outcome',
        ),
      milestones: sql<Milestones | null>`${boots.milestones}`.as('milestones'),
      checks: sql<BootCheck[] | null>`${boots.checks}`.as('checks'),
      ...runBuild,
    })
    .from(boots)
    .innerJoin(variants, eq(variants.id, boots.variantId))
    .leftJoin(builds, eq(builds.id, boots.buildId))
    .where(and(eq(boots.variantId, variantId), eq(boots.state, 'finished')));
  const unbooted = db
    .select({
      bootId: sql<number | null>`null::integer`.as('boot_id'),
      buildId: builds.id,
      variant: variants.name,
      at: sql<Date>`${builds.startedAt}`.as('at'),
      outcome: sql<BootOutcome | null>`null::text`.as('outcome'),
      milestones: sql<Milestones | null>`null::jsonb`.as('milestones'),
      checks: sql<BootCheck[] | null>`null::jsonb`.as('checks'),
      ...runBuild,
    })
    .from(builds)
    .innerJoin(variants, eq(variants.id, builds.variantId))
    .where(
      and(
        eq(builds.variantId, variantId),
        not(exists(db.select({ one: sql`1` }).from(boots).where(eq(boots.buildId, builds.id)))),
      ),
    );
  return unionAll(booted, unbooted).as('t');
}

/** Runs of a variant, newest first: `before` (a boot or build) excludes that run and newer ones. */
export async function loadRuns(
  db: Db,
  variantId: number,
  opts: {
    limit: number;
    beforeBoot?: number;
    beforeBuild?: number;
    only?: { boot?: number; build?: number };
  },
): Promise<RunFacts[]> {
  const t = runsOf(db, variantId);
  const conditions: (SQL | undefined)[] = [];
  if (opts.beforeBoot) {
    const bootAt = db.select({ at: boots.startedAt }).from(boots).where(eq(boots.id, opts.beforeBoot));
    conditions.push(
      or(lt(t.at, bootAt), and(eq(t.at, bootAt), lt(sql`coalesce(${t.bootId}, 0)`, opts.beforeBoot))),
    );
  } else if (opts.beforeBuild) {
    conditions.push(
      lt(t.at, db.select({ at: builds.startedAt }).from(builds).where(eq(builds.id, opts.beforeBuild))),
    );
  }
  if (opts.only?.boot) conditions.push(eq(t.bootId, opts.only.boot));
  else if (opts.only?.build) conditions.push(and(eq(t.buildId, opts.only.build), sql`${t.bootId} is null`));
  const rows = await db
    .select()
    .from(t)
    .where(and(...conditions))
    .orderBy(desc(t.at), sql`${t.bootId} desc nulls last`)
    .limit(opts.limit);
  return attachFindings(db, rows);
}

/** The run of one finished boot, or null. */
export async function loadBootRun(db: Db, bootId: number): Promise<RunFacts | null> {
  const [r] = await db.select({ variantId: boots.variantId }).from(boots).where(eq(boots.id, bootId));
  if (r?.variantId == null) return null;
  const [run] = await loadRuns(db, r.variantId, { limit: 1, only: { boot: bootId } });
  return run ?? null;
}

interface BootFindings {
  crashes: Map<number, RunFacts['crashes']>;
  events: Map<number, BootEvent[]>;
  initcalls: Map<number, RunFacts['initcalls']>;
}

/** Which boots' events to read under which condition; with `firstPer`, only each boot's first event per those values. */
interface EventArm {
  boots: number[];
  where: SQL;
  firstPer?: (SQL | PgColumn)[];
}

/** Crashes (first report line only), troubling events and initcalls of the given boots. */
async function findingsOf(
  db: Db,
  bootIds: number[],
  withInitcalls = true,
  /**
   * Which boots' events to read under which condition, each its own arm of a UNION ALL so
   * each can use its own index (failure grouping needs only a few events); the arms must not
   * overlap. An arm names only its own boots: a second long id list makes the planner
   * overestimate the arm a hundredfold (and JIT-compile it).
   */
  eventFilters: EventArm[] = [{ boots: bootIds, where: sql`true` }],
): Promise<BootFindings> {
  const out: BootFindings = { crashes: new Map(), events: new Map(), initcalls: new Map() };
  if (!bootIds.length) return out;
  const eventArm = (f: EventArm) => {
    const where = and(inArray(events.bootId, f.boots), inArray(events.kind, KINDS), f.where);
    const columns = { bootId: events.bootId, seq: events.seq, data: events.data };
    return f.firstPer
      ? db
          .selectDistinctOn([events.bootId, ...f.firstPer], columns)
          .from(events)
          .where(where)
          .orderBy(events.bootId, ...f.firstPer, events.seq)
      : db.select(columns).from(events).where(where);
  };
  const arms = eventFilters.filter((f) => f.boots.length);
  const [first, second, ...more] = (arms.length ? arms : [{ boots: bootIds, where: sql`false` }]).map(
    eventArm,
  );
  const armed = second ? unionAll(first, second, ...more).as('e') : first.as('e');
  const [c, e, i] = await Promise.all([
    db
      .select({
        bootId: crashes.bootId,
        kind: crashes.kind,
        title: crashes.title,
        line: crashes.line,
        time: crashes.time,
        fatal: crashes.fatal,
        first: sql<string | null>`${crashes.report}->>0`,
      })
      .from(crashes)
      .where(inArray(crashes.bootId, bootIds))
      .orderBy(asc(crashes.bootId), asc(crashes.seq)),
    // Raw rows: thousands of events, and drizzle's per-field mapping cost more than reading them.
    rowsOf<{ boot_id: number; data: BootEvent | string }>(
      db,
      db
        .select({ bootId: armed.bootId, data: armed.data })
        .from(armed)
        .orderBy(asc(armed.bootId), asc(armed.seq))
        .getSQL(),
    ),
    withInitcalls
      ? db
          .select({
            bootId: initcalls.bootId,
            fn: initcalls.fn,
            usecs: initcalls.usecs,
            line: initcalls.line,
          })
          .from(initcalls)
          .where(inArray(initcalls.bootId, bootIds))
          .orderBy(asc(initcalls.bootId), asc(initcalls.line))
      : Promise.resolve([]),
  ]);
  const push = <T>(m: Map<number, T[]>, k: number, v: T) => {
    const list = m.get(k) ?? [];
    list.push(v);
    m.set(k, list);
  };
  for (const x of c)
    push(out.crashes, x.bootId, {
      kind: x.kind as RunFacts['crashes'][number]['kind'],
      title: x.title,
      line: x.line,
      time: x.time,
      fatal: x.fatal,
      report: x.first ? [x.first] : [],
    });
  for (const x of e) push(out.events, x.boot_id, jsonValue(x.data));
  for (const x of i) push(out.initcalls, x.bootId, { fn: x.fn, usecs: Number(x.usecs), line: x.line });
  return out;
}

type RunRow = Awaited<ReturnType<typeof loadRunRows>>[number];
/** Only for its type: a run row as `loadRuns` selects it. */
function loadRunRows(db: Db) {
  return db.select().from(runsOf(db, 0));
}

async function attachFindings(db: Db, rows: RunRow[]): Promise<RunFacts[]> {
  const { crashes, events, initcalls } = await findingsOf(
    db,
    rows.flatMap((r) => (r.bootId != null ? [r.bootId] : [])),
  );
  return rows.map((r) => ({
    bootId: r.bootId,
    buildId: r.buildId,
    variant: r.variant,
    at: iso(r.at)!,
    outcome: r.outcome,
    buildStatus: r.buildStatus,
    crashes: (r.bootId != null && crashes.get(r.bootId)) || [],
    events: (r.bootId != null && events.get(r.bootId)) || [],
    milestones: r.milestones ?? {},
    checks: r.checks ?? [],
    initcalls: (r.bootId != null && initcalls.get(r.bootId)) || [],
    sizes: { image: r.image, vmlinux: r.vmlinux, text: r.text, data: r.data, bss: r.bss },
    buildWallMs: r.wallMs,
  }));
}

/** The newest finished boots of every (or the named) variant, with what failure grouping needs. */
export async function loadFailureBoots(
  db: Db,
  opts: { limit: number; variants?: string[]; arch?: Arch[] },
): Promise<FailureBoot[]> {
  const rows = await db
    .select({
      id: boots.id,
      buildId: boots.buildId,
      variant: variants.name,
      at: boots.startedAt,
      outcome: boots.outcome,
      lastStage: boots.lastStage,
      panicReason: sql<string | null>`${boots.panic}->>'reason'`,
    })
    .from(boots)
    .leftJoin(variants, eq(variants.id, boots.variantId))
    .where(
      and(
        eq(boots.state, 'finished'),
        opts.variants?.length ? inArray(variants.name, opts.variants) : undefined,
        opts.arch?.length ? inArray(boots.arch, opts.arch) : undefined,
      ),
    )
    .orderBy(desc(boots.startedAt), desc(boots.id))
    .limit(opts.limit);
  // Grouping reads a failed boot's errors and any boot's failed probes: fetch only those. A
  // failed boot with a panic reason is named by it (or its crash) before its errors are looked at.
  const failed = rows
    .filter((r) => r.outcome !== 'booted' && r.outcome !== 'error' && !r.panicReason)
    .map((r) => r.id);
  const f = await findingsOf(
    db,
    rows.map((r) => r.id),
    false,
    // Failed probes and a failed boot's errors, each through its partial index.
    [
      {
        boots: rows.map((r) => r.id),
        where: sql`${events.kind} = 'probe' and ${events.data}->>'ok' = 'false'`,
        // A boot's failed probes count once per key (eventKey: driver and errno), the first one;
        // the columns ingest derives from those fields, cheaper to sort on than the JSON.
        firstPer: [events.driver, sql`coalesce(${events.errnoName}, ${events.errno}::text, '')`],
      },
      {
        boots: failed,
        // The very predicate of events_trouble_idx, so the planner can prove it and use it.
        where: sql`${events.kind} in ('error', 'kernel_error', 'mount_failed', 'init_exec', 'missing_config')`,
      },
    ],
  );
  return rows.map((r) => ({
    id: r.id,
    buildId: r.buildId,
    variant: r.variant,
    at: iso(r.at)!,
    outcome: r.outcome,
    lastStage: r.lastStage,
    panicReason: r.panicReason,
    crashes: f.crashes.get(r.id) ?? [],
    events: f.events.get(r.id) ?? [],
  }));
}
