/**
 * A variant's runs as regression detection reads them: each finished boot with its build,
 * and each build that never booted; with the crashes, troubling events and initcalls.
 */
import { type SQL, sql } from 'drizzle-orm';
import type { BootOutcome, Status } from '../../../common/types/ingest.ts';
import type { BootEvent, BootStage, CrashKind, Milestones } from '../../../common/types/parse.ts';
import type { FailureBoot } from '../../analysis/failures.ts';
import type { RunFacts } from '../../analysis/regressions.ts';
import type { Db } from '../client.ts';
import { iso, jsonValue, numOrNull, rowsOf } from '../rows.ts';

/** Event kinds regression detection and failure grouping look at. */
const KINDS = ['error', 'kernel_error', 'mount_failed', 'init_exec', 'missing_config', 'probe'];

interface RunRow {
  boot_id: number | null;
  build_id: number | null;
  variant: string;
  at: Date | string;
  outcome: BootOutcome | null;
  milestones: Milestones | null;
  build_status: Status | null;
  wall_ms: number | null;
  image_size: string | number | null;
  vmlinux_size: string | number | null;
  text_size: string | number | null;
  data_size: string | number | null;
  bss_size: string | number | null;
}

const RUN_COLUMNS = sql`bl.status as build_status, bl.wall_ms, bl.image_size, bl.vmlinux_size,
  bl.text_size, bl.data_size, bl.bss_size`;

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
  const bootAt = sql`(select started_at from boots where id = ${opts.beforeBoot ?? 0})`;
  const cut = opts.beforeBoot
    ? sql`(t.at < ${bootAt} or (t.at = ${bootAt} and coalesce(t.boot_id, 0) < ${opts.beforeBoot}))`
    : opts.beforeBuild
      ? sql`t.at < (select started_at from builds where id = ${opts.beforeBuild})`
      : sql`true`;
  const only = opts.only?.boot
    ? sql`t.boot_id = ${opts.only.boot}`
    : opts.only?.build
      ? sql`t.build_id = ${opts.only.build} and t.boot_id is null`
      : sql`true`;
  const rows = await rowsOf<RunRow>(
    db,
    sql`select * from (
      select b.id as boot_id, b.build_id, v.name as variant, b.started_at as at, b.outcome, b.milestones, ${RUN_COLUMNS}
        from boots b join variants v on v.id = b.variant_id left join builds bl on bl.id = b.build_id
        where b.variant_id = ${variantId} and b.state = 'finished'
      union all
      select null, bl.id, v.name, bl.started_at, null, null, ${RUN_COLUMNS}
        from builds bl join variants v on v.id = bl.variant_id
        where bl.variant_id = ${variantId} and not exists (select 1 from boots b where b.build_id = bl.id)
    ) t where ${cut} and ${only}
    order by t.at desc, t.boot_id desc nulls last limit ${opts.limit}`,
  );
  return attachFindings(db, rows);
}

/** The run of one finished boot, or null. */
export async function loadBootRun(db: Db, bootId: number): Promise<RunFacts | null> {
  const [r] = await rowsOf<{ variant_id: number | null }>(
    db,
    sql`select variant_id from boots where id = ${bootId}`,
  );
  if (r?.variant_id == null) return null;
  const [run] = await loadRuns(db, r.variant_id, { limit: 1, only: { boot: bootId } });
  return run ?? null;
}

interface BootFindings {
  crashes: Map<number, RunFacts['crashes']>;
  events: Map<number, BootEvent[]>;
  initcalls: Map<number, RunFacts['initcalls']>;
}

/** Crashes (first report line only), troubling events and initcalls of the given boots. */
async function findingsOf(
  db: Db,
  bootIds: number[],
  withInitcalls = true,
  /**
   * Conditions on events, each its own arm of a UNION ALL so each can use its own index
   * (failure grouping needs only a few events); the arms must not overlap.
   */
  eventFilters: SQL[] = [sql`true`],
): Promise<BootFindings> {
  const out: BootFindings = { crashes: new Map(), events: new Map(), initcalls: new Map() };
  if (!bootIds.length) return out;
  const ids = sql`(${sql.join(
    bootIds.map((id) => sql`${id}`),
    sql`, `,
  )})`;
  const [c, e, i] = await Promise.all([
    rowsOf<{
      boot_id: number;
      kind: CrashKind;
      title: string;
      line: number;
      time: number | null;
      fatal: boolean;
      first: string | null;
    }>(
      db,
      sql`select boot_id, kind, title, line, time, fatal, report->>0 as first from crashes where boot_id in ${ids} order by boot_id, seq`,
    ),
    rowsOf<{ boot_id: number; data: BootEvent }>(
      db,
      sql`select boot_id, data from (${sql.join(
        eventFilters.map(
          (f) =>
            sql`select boot_id, seq, data from events where boot_id in ${ids} and kind in (${sql.join(
              KINDS.map((k) => sql`${k}`),
              sql`, `,
            )}) and ${f}`,
        ),
        sql` union all `,
      )}) e order by boot_id, seq`,
    ),
    withInitcalls
      ? rowsOf<{ boot_id: number; fn: string; usecs: string | number; line: number }>(
          db,
          sql`select boot_id, fn, usecs, line from initcalls where boot_id in ${ids} order by boot_id, line`,
        )
      : Promise.resolve([]),
  ]);
  const push = <T>(m: Map<number, T[]>, k: number, v: T) => {
    const list = m.get(k) ?? [];
    list.push(v);
    m.set(k, list);
  };
  for (const x of c)
    push(out.crashes, x.boot_id, {
      kind: x.kind,
      title: x.title,
      line: x.line,
      time: x.time,
      fatal: x.fatal,
      report: x.first ? [x.first] : [],
    });
  for (const x of e) push(out.events, x.boot_id, jsonValue(x.data));
  for (const x of i) push(out.initcalls, x.boot_id, { fn: x.fn, usecs: Number(x.usecs), line: x.line });
  return out;
}

async function attachFindings(db: Db, rows: RunRow[]): Promise<RunFacts[]> {
  const { crashes, events, initcalls } = await findingsOf(
    db,
    rows.flatMap((r) => (r.boot_id != null ? [r.boot_id] : [])),
  );
  return rows.map((r) => ({
    bootId: r.boot_id,
    buildId: r.build_id,
    variant: r.variant,
    at: iso(r.at)!,
    outcome: r.outcome,
    buildStatus: r.build_status,
    crashes: (r.boot_id != null && crashes.get(r.boot_id)) || [],
    events: (r.boot_id != null && events.get(r.boot_id)) || [],
    milestones: jsonValue(r.milestones) ?? {},
    initcalls: (r.boot_id != null && initcalls.get(r.boot_id)) || [],
    sizes: {
      image: numOrNull(r.image_size),
      vmlinux: numOrNull(r.vmlinux_size),
      text: numOrNull(r.text_size),
      data: numOrNull(r.data_size),
      bss: numOrNull(r.bss_size),
    },
    buildWallMs: r.wall_ms,
  }));
}

/** The newest finished boots of every (or the named) variant, with what failure grouping needs. */
export async function loadFailureBoots(
  db: Db,
  opts: { limit: number; variants?: string[] },
): Promise<FailureBoot[]> {
  const only = opts.variants?.length
    ? sql`and v.name in (${sql.join(
        opts.variants.map((v) => sql`${v}`),
        sql`, `,
      )})`
    : sql``;
  const rows = await rowsOf<{
    id: number;
    build_id: number | null;
    variant: string | null;
    at: Date | string;
    outcome: BootOutcome | null;
    last_stage: BootStage | null;
    panic_reason: string | null;
  }>(
    db,
    sql`select b.id, b.build_id, v.name as variant, b.started_at as at, b.outcome, b.last_stage,
        b.panic->>'reason' as panic_reason
      from boots b left join variants v on v.id = b.variant_id
      where b.state = 'finished' ${only}
      order by b.started_at desc, b.id desc limit ${opts.limit}`,
  );
  // Grouping reads a failed boot's errors and any boot's failed probes: fetch only those.
  const failed = rows.filter((r) => r.outcome !== 'booted' && r.outcome !== 'error').map((r) => r.id);
  const failedIn = failed.length
    ? sql`boot_id in (${sql.join(
        failed.map((id) => sql`${id}`),
        sql`, `,
      )})`
    : sql`false`;
  const f = await findingsOf(
    db,
    rows.map((r) => r.id),
    false,
    // Failed probes through their partial index; a failed boot's other events by its key.
    [sql`kind = 'probe' and data->>'ok' = 'false'`, sql`kind <> 'probe' and ${failedIn}`],
  );
  return rows.map((r) => ({
    id: r.id,
    buildId: r.build_id,
    variant: r.variant,
    at: iso(r.at)!,
    outcome: r.outcome,
    lastStage: r.last_stage,
    panicReason: r.panic_reason,
    crashes: f.crashes.get(r.id) ?? [],
    events: f.events.get(r.id) ?? [],
  }));
}
