/** What the exports read: builds and boots for KCIDB, latest figures per variant, a matrix run's boots. */
import { sql } from 'drizzle-orm';
import type { MatrixRunInput } from '../../../common/types/api.ts';
import type { BootCheck, BootOutcome, Status } from '../../../common/types/ingest.ts';
import type { Diagnosis, Milestones } from '../../../common/types/parse.ts';
import type { KcidbBootInput, KcidbBuildInput } from '../../analysis/kcidb.ts';
import type { VariantMetrics } from '../../analysis/metrics.ts';
import type { Db } from '../client.ts';
import { iso, isRowId, jsonValue, numOrNull, rowsOf } from '../rows.ts';
import { cleanJson, cleanText } from '../sanitize.ts';
import { matrixRuns, NO_SUBMITTER, type Submitter } from '../schema/index.ts';

const inList = (ids: number[]) =>
  sql`(${sql.join(
    ids.map((i) => sql`${i}`),
    sql`, `,
  )})`;

/** The newest builds (of the named variants), for KCIDB. */
export async function exportBuilds(
  db: Db,
  opts: { limit: number; variants?: string[] },
): Promise<KcidbBuildInput[]> {
  const only = opts.variants?.length
    ? sql`where v.name in ${sql`(${sql.join(
        opts.variants.map((v) => sql`${v}`),
        sql`, `,
      )})`}`
    : sql``;
  const rows = await rowsOf<{
    id: number;
    variant: string;
    status: Status;
    started_at: Date | string;
    wall_ms: number | null;
    arch: string | null;
    compiler: string | null;
    command: string | null;
    base_config: string | null;
    fragments: { name: string }[] | string;
    has_config: boolean;
    log_tail: string | null;
    errors: string[] | string;
    image_size: string | number | null;
    vmlinux_size: string | number | null;
    text_size: string | number | null;
    data_size: string | number | null;
    bss_size: string | number | null;
    src_name: string | null;
    src_version: string | null;
    src_commit: string | null;
    src_path: string | null;
  }>(
    db,
    sql`select b.id, v.name as variant, b.status, b.started_at, b.wall_ms, b.arch, b.compiler, b.command,
        b.base_config, b.fragments, b.config_id is not null as has_config, b.log_tail, b.errors, b.image_size, b.vmlinux_size, b.text_size,
        b.data_size, b.bss_size, s.name as src_name, s.version as src_version, s.commit as src_commit, s.path as src_path
      from builds b join variants v on v.id = b.variant_id left join kernel_sources s on s.id = b.source_id
      ${only} order by b.started_at desc, b.id desc limit ${opts.limit}`,
  );
  return rows.map((r) => ({
    id: r.id,
    variant: r.variant,
    status: r.status,
    startedAt: iso(r.started_at)!,
    wallMs: r.wall_ms,
    arch: r.arch,
    compiler: r.compiler,
    command: r.command,
    baseConfig: r.base_config,
    fragments: jsonValue(r.fragments).map((f) => f.name),
    hasConfig: r.has_config,
    logTail: r.log_tail,
    errors: jsonValue(r.errors),
    sizes: {
      image: numOrNull(r.image_size),
      vmlinux: numOrNull(r.vmlinux_size),
      text: numOrNull(r.text_size),
      data: numOrNull(r.data_size),
      bss: numOrNull(r.bss_size),
    },
    source: r.src_name
      ? { name: r.src_name, version: r.src_version, commit: r.src_commit, url: r.src_path }
      : null,
  }));
}

interface BootRow {
  id: number;
  build_id: number | null;
  variant: string | null;
  target: string;
  machine: string | null;
  accel: string | null;
  outcome: BootOutcome | null;
  status: Status | null;
  end_reason: string | null;
  checks: BootCheck[] | string;
  started_at: Date | string;
  duration_ms: number | null;
  milestones: Milestones | string | null;
  panic_reason: string | null;
  top_diagnosis: Diagnosis | string | null;
}

const BOOT_COLUMNS = sql`b.id, b.build_id, v.name as variant, b.target, b.machine, b.accel, b.outcome, b.status,
  b.end_reason, b.checks, b.started_at, b.duration_ms, b.milestones, b.panic->>'reason' as panic_reason, b.top_diagnosis`;

async function bootsWithCrashes(db: Db, rows: BootRow[]) {
  const crashes = new Map<number, { title: string; kind: string; report: string[] }[]>();
  if (rows.length) {
    const list = await rowsOf<{ boot_id: number; title: string; kind: string; report: string[] | string }>(
      db,
      sql`select boot_id, title, kind, report from crashes where boot_id in ${inList(rows.map((r) => r.id))} order by boot_id, seq`,
    );
    for (const c of list) {
      const l = crashes.get(c.boot_id) ?? [];
      l.push({ title: c.title, kind: c.kind, report: jsonValue(c.report) });
      crashes.set(c.boot_id, l);
    }
  }
  return rows.map((r) => ({ row: r, crashes: crashes.get(r.id) ?? [] }));
}

/** The finished boots of the given builds, for KCIDB. */
export async function exportBoots(db: Db, buildIds: number[]): Promise<KcidbBootInput[]> {
  if (!buildIds.length) return [];
  const rows = await rowsOf<BootRow>(
    db,
    sql`select ${BOOT_COLUMNS} from boots b left join variants v on v.id = b.variant_id
      where b.build_id in ${inList(buildIds)} and b.state = 'finished' order by b.started_at, b.id`,
  );
  return (await bootsWithCrashes(db, rows)).map(({ row: r, crashes }) => ({
    id: r.id,
    buildId: r.build_id,
    variant: r.variant,
    target: r.target,
    machine: r.machine,
    accel: r.accel,
    outcome: r.outcome,
    status: r.status,
    endReason: r.end_reason,
    checks: jsonValue(r.checks),
    startedAt: iso(r.started_at)!,
    durationMs: r.duration_ms,
    milestones: jsonValue(r.milestones ?? {}),
    panicReason: r.panic_reason,
    crashes,
  }));
}

/** Each variant's latest build and boot figures, for /metrics. */
export async function variantMetrics(db: Db): Promise<VariantMetrics[]> {
  const rows = await rowsOf<{
    variant: string;
    status: Status | null;
    wall_ms: number | null;
    image_size: string | number | null;
    vmlinux_size: string | number | null;
    text_size: string | number | null;
    data_size: string | number | null;
    bss_size: string | number | null;
    outcome: BootOutcome | null;
    boot_status: Status | null;
    end_reason: string | null;
    checks: BootCheck[] | string | null;
    boot_at: Date | string | null;
    init_start: number | string | null;
    open: number | string;
  }>(
    db,
    sql`select v.name as variant, lb.status, lb.wall_ms, lb.image_size, lb.vmlinux_size, lb.text_size,
        lb.data_size, lb.bss_size, bo.outcome, bo.status as boot_status, bo.end_reason, bo.checks,
        bo.started_at as boot_at,
        (select (i.milestones->>'init_start')::float8 from boots i where i.variant_id = v.id and i.state = 'finished'
          and i.milestones ? 'init_start' order by i.started_at desc, i.id desc limit 1) as init_start,
        (select count(*) from regressions r where r.variant_id = v.id and r.status = 'open') as open
      from variants v
      left join lateral (select * from builds b where b.variant_id = v.id order by b.started_at desc, b.id desc limit 1) lb on true
      left join lateral (select * from boots b where b.variant_id = v.id and b.state = 'finished'
        order by b.started_at desc, b.id desc limit 1) bo on true
      order by v.name`,
  );
  return rows.map((r) => ({
    variant: r.variant,
    sizes: {
      image: numOrNull(r.image_size),
      vmlinux: numOrNull(r.vmlinux_size),
      text: numOrNull(r.text_size),
      data: numOrNull(r.data_size),
      bss: numOrNull(r.bss_size),
    },
    buildSeconds: r.wall_ms != null ? r.wall_ms / 1000 : null,
    buildOk: r.status == null ? null : r.status === 'PASS',
    timeToInit: r.init_start == null ? null : Number(r.init_start),
    outcome: r.outcome,
    status: r.boot_status,
    endReason: r.end_reason,
    checks: r.checks == null ? [] : jsonValue(r.checks),
    bootTimestamp: r.boot_at ? new Date(r.boot_at).getTime() / 1000 : null,
    openRegressions: Number(r.open),
  }));
}

/** Records one `bootwatch run`; returns its id. */
export async function insertRun(
  db: Db,
  input: MatrixRunInput,
  by: Submitter = NO_SUBMITTER,
): Promise<number> {
  const [row] = await db
    .insert(matrixRuns)
    .values({
      matrix: cleanText(input.matrix),
      bootIds: input.results.flatMap((r) => (r.bootId != null ? [r.bootId] : [])),
      buildIds: [...new Set(input.results.flatMap((r) => (r.buildId != null ? [r.buildId] : [])))],
      results: cleanJson(input.results.map(({ variant, outcome, bootId }) => ({ variant, outcome, bootId }))),
      ...by,
    })
    .returning({ id: matrixRuns.id });
  return row.id;
}

/** A recorded run (the newest for `latest`) with its boots and their crash and diagnosis lines. */
export async function runWithBoots(db: Db, id: number | 'latest') {
  const [run] = await rowsOf<{
    id: number;
    matrix: string;
    created_at: Date | string;
    results: { variant: string; outcome: string; bootId: number | null }[] | string;
    build_ids: number[] | string;
    submitted_by: string | null;
  }>(
    db,
    id === 'latest'
      ? sql`select id, matrix, created_at, results, build_ids, submitted_by from matrix_runs order by created_at desc, id desc limit 1`
      : sql`select id, matrix, created_at, results, build_ids, submitted_by from matrix_runs where id = ${id}`,
  );
  if (!run) return null;
  const results = jsonValue(run.results);
  // Runs stored before ids were bounded may name ids no boot can have: skip them, never fail.
  const ids = results.flatMap((r) => (isRowId(r.bootId) ? [r.bootId] : []));
  const rows = ids.length
    ? await rowsOf<BootRow>(
        db,
        sql`select ${BOOT_COLUMNS} from boots b left join variants v on v.id = b.variant_id where b.id in ${inList(ids)}`,
      )
    : [];
  const boots = new Map((await bootsWithCrashes(db, rows)).map((b) => [b.row.id, b]));
  return {
    id: run.id,
    matrix: run.matrix,
    at: iso(run.created_at)!,
    submittedBy: run.submitted_by,
    results,
    buildIds: jsonValue(run.build_ids),
    boots,
  };
}
