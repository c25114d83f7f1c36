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
import { iso, isoText, jsonValue, rowsOf } from '../rows.ts';
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

/** Which boots' events to read under which condition. */
interface EventArm {
  boots: number[];
  where: SQL;
}

/**
 * `column = any(ids)` with the ids as one array parameter: a thousand ids as a thousand
 * parameters cost drizzle more CPU to build than the database took to answer.
 */
function anyOf(column: PgColumn, ids: number[]): SQL {
  return sql`${column} = any(${sql.param(ids)}::int[])`;
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
  const eventArm = (f: EventArm) =>
    db
      .select({ bootId: events.bootId, seq: events.seq, data: events.data })
      .from(events)
      .where(and(anyOf(events.bootId, f.boots), inArray(events.kind, KINDS), f.where));
  const arms = eventFilters.filter((f) => f.boots.length);
  const [first, second, ...more] = (arms.length ? arms : [{ boots: bootIds, where: sql`false` }]).map(
    eventArm,
  );
  const armed = second ? unionAll(first, second, ...more).as('e') : first.as('e');
  const [c, e, i] = await Promise.all([
    rowsOf<{
      bootId: number;
      kind: RunFacts['crashes'][number]['kind'];
      title: string;
      line: number;
      time: number | null;
      fatal: boolean;
      first: string | null;
    }>(
      db,
      sql`select ${crashes.bootId} as "bootId", ${crashes.kind} as kind, ${crashes.title} as title,
        ${crashes.line} as line, ${crashes.time} as time, ${crashes.fatal} as fatal, ${crashes.report}->>0 as first
      from ${crashes} where ${anyOf(crashes.bootId, bootIds)} order by ${crashes.bootId}, ${crashes.seq}`,
    ),
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
          .where(anyOf(initcalls.bootId, bootIds))
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
      kind: x.kind,
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
  // Raw rows, the time as ISO text: a thousand boots mapped field by field cost more than the query.
  const rows = await rowsOf<Omit<FailureBoot, 'crashes' | 'events' | 'probes'>>(
    db,
    sql`select ${boots.id} as id, ${boots.buildId} as "buildId", ${variants.name} as variant,
      ${isoText(boots.startedAt)} as at, ${boots.outcome} as outcome, ${boots.lastStage} as "lastStage",
      ${boots.panic}->>'reason' as "panicReason"
    from ${boots} left join ${variants} on ${variants.id} = ${boots.variantId}
    where ${and(
      eq(boots.state, 'finished'),
      opts.variants?.length ? inArray(variants.name, opts.variants) : undefined,
      opts.arch?.length ? inArray(boots.arch, opts.arch) : undefined,
    )}
    order by ${boots.startedAt} desc, ${boots.id} desc limit ${opts.limit}`,
  );
  const ids = rows.map((r) => r.id);
  // Grouping reads a failed boot's errors and any boot's failed probes: fetch only those. A
  // failed boot with a panic reason is named by it (or its crash) before its errors are looked at.
  const failed = rows
    .filter((r) => r.outcome !== 'booted' && r.outcome !== 'error' && !r.panicReason)
    .map((r) => r.id);
  const [f, probes] = await Promise.all([
    findingsOf(db, ids, false, [
      {
        boots: failed,
        // The very predicate of events_trouble_idx, so the planner can prove it and use it.
        where: sql`${events.kind} in ('error', 'kernel_error', 'mount_failed', 'init_exec', 'missing_config')`,
      },
    ]),
    failedProbes(db, ids),
  ]);
  // Fields named, not spread: spreading a thousand driver rows cost 4-13 ms.
  return rows.map((r) => ({
    id: r.id,
    buildId: r.buildId,
    variant: r.variant,
    at: r.at,
    outcome: r.outcome,
    lastStage: r.lastStage,
    panicReason: r.panicReason,
    crashes: f.crashes.get(r.id) ?? [],
    events: f.events.get(r.id) ?? [],
    probes: probes.get(r.id) ?? [],
  }));
}

type ProbeRow = NonNullable<FailureBoot['probes']>[number];

/**
 * Each boot's failed probes, the first per key (driver and errno), in order: through
 * events_failed_probe_idx, from the columns ingest derives from those fields, never the whole
 * event (reading every event's JSON cost the database twice the rest).
 */
async function failedProbes(db: Db, ids: number[]): Promise<Map<number, ProbeRow[]>> {
  const out = new Map<number, ProbeRow[]>();
  if (!ids.length) return out;
  const key = sql`${events.driver}, coalesce(${events.errnoName}, ${events.errno}::text, '')`;
  const rows = await rowsOf<ProbeRow & { bootId: number }>(
    db,
    sql`select "bootId", line, driver, errno, "errnoName" from (
      select distinct on (${events.bootId}, ${key}) ${events.bootId} as "bootId", ${events.seq} as seq,
        ${events.line} as line, ${events.driver} as driver, ${events.errno} as errno, ${events.errnoName} as "errnoName"
      from ${events}
      where ${anyOf(events.bootId, ids)} and ${events.kind} = 'probe' and ${events.data}->>'ok' = 'false'
      order by ${events.bootId}, ${key}, ${events.seq}) p
    order by "bootId", seq`,
  );
  for (const r of rows) {
    const p = { line: r.line, driver: r.driver, errno: r.errno, errnoName: r.errnoName };
    const list = out.get(r.bootId);
    if (list) list.push(p);
    else out.set(r.bootId, [p]);
  }
  return out;
}
