/** Series over a variant's history: image sizes and build times per build, milestone times per boot. */
import { sql } from 'drizzle-orm';
import type { PgColumn } from 'drizzle-orm/pg-core';
import type { Arch } from '../../../common/arch.ts';
import type { BuildMetric, TrendMetric, TrendPoint, TrendSeries } from '../../../common/types/api.ts';
import type { BootOutcome, Status } from '../../../common/types/ingest.ts';
import { MILESTONES, type MilestoneName, type Milestones } from '../../../common/types/parse.ts';
import type { Db } from '../client.ts';
import { iso, jsonValue, rowsOf } from '../rows.ts';
import { boots, builds } from '../schema/index.ts';

type BuildColumn = 'image' | 'vmlinux' | 'text' | 'data' | 'bss' | 'wall' | 'user' | 'sys';

const BUILD_COLUMNS: Record<BuildMetric, { column: PgColumn; key: BuildColumn; unit: TrendSeries['unit'] }> =
  {
    'size.image': { column: builds.imageSize, key: 'image', unit: 'bytes' },
    'size.vmlinux': { column: builds.vmlinuxSize, key: 'vmlinux', unit: 'bytes' },
    'size.text': { column: builds.textSize, key: 'text', unit: 'bytes' },
    'size.data': { column: builds.dataSize, key: 'data', unit: 'bytes' },
    'size.bss': { column: builds.bssSize, key: 'bss', unit: 'bytes' },
    'build.wall': { column: builds.wallMs, key: 'wall', unit: 'ms' },
    'build.user': { column: builds.userMs, key: 'user', unit: 'ms' },
    'build.sys': { column: builds.sysMs, key: 'sys', unit: 'ms' },
  };

export interface TrendParams {
  variants: { id: number; name: string }[];
  metrics: TrendMetric[];
  /** Latest points kept per series. */
  limit: number;
  /** Only builds (build metrics) and boots (milestones) of these architectures. */
  arch?: Arch[];
}

interface Row {
  seq: number;
  at: Date;
  buildId: number | null;
  bootId: number | null;
  outcome: BootOutcome | null;
  buildStatus: Status | null;
  arch: string | null;
}

/** Rows by architecture, in order: a variant's history is one line per arch. */
function byArch<R extends { arch: string | null }>(rows: R[]): [string | null, R[]][] {
  const out = new Map<string | null, R[]>();
  for (const r of rows) {
    const list = out.get(r.arch);
    if (list) list.push(r);
    else out.set(r.arch, [r]);
  }
  return out.size ? [...out] : [[null, []]];
}

/**
 * One series per variant and metric, oldest point first. A variant's history is read once
 * for all its build metrics and once for all its milestones, the variants side by side.
 */
export async function trendSeries(db: Db, p: TrendParams): Promise<TrendSeries[]> {
  const isBuild = (m: TrendMetric): m is BuildMetric => m in BUILD_COLUMNS;
  const buildMetrics = p.metrics.filter(isBuild);
  const milestones = p.metrics.filter((m) => !isBuild(m)).map((m) => m.slice('boot.'.length));
  for (const m of milestones)
    if (!(MILESTONES as readonly string[]).includes(m)) throw new Error(`unknown metric boot.${m}`);
  const histories = await Promise.all(
    p.variants.map(async (v) => {
      const [b, t] = await Promise.all([
        buildMetrics.length ? buildPoints(db, v.id, p.limit, p.arch) : [],
        milestones.length ? bootPoints(db, v.id, p.limit, p.arch) : [],
      ]);
      return { builds: b.reverse(), boots: t.reverse() };
    }),
  );
  const point = (r: Row, value: unknown): TrendPoint => ({
    seq: Number(r.seq),
    at: iso(r.at)!,
    buildId: r.buildId,
    bootId: r.bootId,
    value: value == null ? null : Number(value),
    outcome: r.outcome,
    buildStatus: r.buildStatus,
  });
  const series = p.variants.flatMap((v, i) =>
    p.metrics.flatMap((metric): TrendSeries[] => {
      const h = histories[i];
      if (isBuild(metric))
        return byArch(h.builds).map(([arch, rows]) => ({
          variant: v.name,
          arch,
          metric,
          unit: BUILD_COLUMNS[metric].unit,
          points: rows.map((r) => point(r, r.sizes[BUILD_COLUMNS[metric].key])),
        }));
      const name = metric.slice('boot.'.length) as MilestoneName;
      return byArch(h.boots).map(([arch, rows]) => ({
        variant: v.name,
        arch,
        metric,
        unit: 's',
        points: rows.map((r) => point(r, r.milestones?.[name])),
      }));
    }),
  );
  // Filtered by arch, a variant of another arch is no line at all.
  return p.arch?.length ? series.filter((s) => s.points.length) : series;
}

/**
 * Trend rows come back raw (the driver's values, no per-field mapping): a six-variant overlay is
 * thousands of rows, and mapping each field cost more CPU than the query.
 */
type BuildRow = Row & { sizes: Record<BuildColumn, string | number | null> };

/** A variant's latest builds with every build metric, numbered in time order, each with its latest finished boot. */
async function buildPoints(db: Db, variantId: number, limit: number, arch?: Arch[]): Promise<BuildRow[]> {
  const sizes = sql.join(
    Object.values(BUILD_COLUMNS).map((c) => sql`${sql.raw(`'${c.key}'`)}, ${c.column}`),
    sql`, `,
  );
  // The build's newest finished boot: one probe of boots_build_idx per build. Filtered outside
  // the numbering: a point keeps its place in the variant's whole history.
  const rows = await rowsOf<Omit<BuildRow, 'sizes'> & { sizes: BuildRow['sizes'] | string }>(
    db,
    sql`select * from (
      select row_number() over (order by ${builds.startedAt}, ${builds.id}) as seq, ${builds.startedAt} as at,
        ${builds.id} as "buildId", lb.id as "bootId", lb.outcome, ${builds.status} as "buildStatus",
        ${builds.arch} as arch, json_build_object(${sizes}) as sizes
      from ${builds}
      left join lateral (select ${boots.id} as id, ${boots.outcome} as outcome from ${boots}
        where ${boots.buildId} = ${builds.id} and ${boots.state} = 'finished'
        order by ${boots.startedAt} desc, ${boots.id} desc limit 1) lb on true
      where ${builds.variantId} = ${variantId}) x
    ${archFilter(arch)}
    order by seq desc limit ${limit}`,
  );
  return rows.map((r) => ({ ...r, sizes: jsonValue(r.sizes) }));
}

/** A variant's latest finished boots with their milestones, numbered in time order. */
async function bootPoints(db: Db, variantId: number, limit: number, arch?: Arch[]) {
  // The build's status by primary key per boot, never a scan of every build.
  const rows = await rowsOf<Row & { milestones: Milestones | string | null }>(
    db,
    sql`select * from (
      select row_number() over (order by ${boots.startedAt}, ${boots.id}) as seq, ${boots.startedAt} as at,
        ${boots.buildId} as "buildId", ${boots.id} as "bootId", ${boots.milestones} as milestones,
        ${boots.outcome} as outcome, ${boots.arch} as arch,
        (select ${builds.status} from ${builds} where ${builds.id} = ${boots.buildId}) as "buildStatus"
      from ${boots}
      where ${boots.variantId} = ${variantId} and ${boots.state} = 'finished') x
    ${archFilter(arch)}
    order by seq desc limit ${limit}`,
  );
  return rows.map((r) => ({ ...r, milestones: r.milestones == null ? null : jsonValue(r.milestones) }));
}

function archFilter(arch?: Arch[]) {
  return arch?.length
    ? sql`where x.arch in (${sql.join(
        arch.map((a) => sql`${a}`),
        sql`, `,
      )})`
    : sql``;
}
