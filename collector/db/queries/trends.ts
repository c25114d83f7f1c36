/** Series over a variant's history: image sizes and build times per build, milestone times per boot. */
import { type SQL, sql } from 'drizzle-orm';
import type { PgColumn } from 'drizzle-orm/pg-core';
import type { Arch } from '../../../common/arch.ts';
import type { BuildMetric, TrendMetric, TrendPoint, TrendSeries } from '../../../common/types/api.ts';
import type { BootOutcome, Status } from '../../../common/types/ingest.ts';
import { MILESTONES } from '../../../common/types/parse.ts';
import type { Db } from '../client.ts';
import { isoText, rowsOf } from '../rows.ts';
import { boots, builds } from '../schema/index.ts';

const BUILD_COLUMNS: Record<BuildMetric, { column: PgColumn; unit: TrendSeries['unit'] }> = {
  'size.image': { column: builds.imageSize, unit: 'bytes' },
  'size.vmlinux': { column: builds.vmlinuxSize, unit: 'bytes' },
  'size.text': { column: builds.textSize, unit: 'bytes' },
  'size.data': { column: builds.dataSize, unit: 'bytes' },
  'size.bss': { column: builds.bssSize, unit: 'bytes' },
  'build.wall': { column: builds.wallMs, unit: 'ms' },
  'build.user': { column: builds.userMs, unit: 'ms' },
  'build.sys': { column: builds.sysMs, unit: 'ms' },
};

export interface TrendParams {
  variants: { id: number; name: string }[];
  metrics: TrendMetric[];
  /** Latest points kept per series. */
  limit: number;
  /** Only builds (build metrics) and boots (milestones) of these architectures. */
  arch?: Arch[];
}

/**
 * A point as the database gives it, oldest first after the reverse: the time already ISO text,
 * one value column per metric asked for (`m0`, `m1`, ...). A six-variant overlay is thousands
 * of rows, and a Date per row or a JSON document per row cost more CPU than the query.
 */
type PointRow = {
  seq: number;
  at: string;
  buildId: number | null;
  bootId: number | null;
  outcome: BootOutcome | null;
  buildStatus: Status | null;
  arch: string | null;
} & Record<`m${number}`, string | number | null>;

/** Rows by architecture, in order: a variant's history is one line per arch. */
function byArch(rows: PointRow[]): [string | null, PointRow[]][] {
  const out = new Map<string | null, PointRow[]>();
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
        buildMetrics.length
          ? buildPoints(
              db,
              v.id,
              buildMetrics.map((m) => BUILD_COLUMNS[m].column),
              p.limit,
              p.arch,
            )
          : [],
        milestones.length ? bootPoints(db, v.id, milestones, p.limit, p.arch) : [],
      ]);
      return { builds: b.reverse(), boots: t.reverse() };
    }),
  );
  const points = (rows: PointRow[], column: `m${number}`): TrendPoint[] =>
    rows.map((r) => {
      const value = r[column];
      return {
        seq: r.seq,
        at: r.at,
        buildId: r.buildId,
        bootId: r.bootId,
        value: value == null ? null : Number(value),
        outcome: r.outcome,
        buildStatus: r.buildStatus,
      };
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
          points: points(rows, `m${buildMetrics.indexOf(metric)}`),
        }));
      return byArch(h.boots).map(([arch, rows]) => ({
        variant: v.name,
        arch,
        metric,
        unit: 's',
        points: points(rows, `m${milestones.indexOf(metric.slice('boot.'.length))}`),
      }));
    }),
  );
  // Filtered by arch, a variant of another arch is no line at all.
  return p.arch?.length ? series.filter((s) => s.points.length) : series;
}

/** Value columns `m0`, `m1`, ... in the order given. */
function valueColumns(values: SQL[]): SQL {
  return sql.join(
    values.map((v, i) => sql`${v} as ${sql.identifier(`m${i}`)}`),
    sql`, `,
  );
}

/** A variant's latest builds with the given columns, numbered in time order, each with its latest finished boot. */
function buildPoints(
  db: Db,
  variantId: number,
  columns: PgColumn[],
  limit: number,
  arch?: Arch[],
): Promise<PointRow[]> {
  // The build's newest finished boot: one probe of boots_build_idx per build. Filtered outside
  // the numbering: a point keeps its place in the variant's whole history.
  return rowsOf<PointRow>(
    db,
    sql`select * from (
      select (row_number() over (order by ${builds.startedAt}, ${builds.id}))::int as seq,
        ${isoText(builds.startedAt)} as at, ${builds.id} as "buildId", lb.id as "bootId", lb.outcome,
        ${builds.status} as "buildStatus", ${builds.arch} as arch, ${valueColumns(columns.map((c) => sql`${c}`))}
      from ${builds}
      left join lateral (select ${boots.id} as id, ${boots.outcome} as outcome from ${boots}
        where ${boots.buildId} = ${builds.id} and ${boots.state} = 'finished'
        order by ${boots.startedAt} desc, ${boots.id} desc limit 1) lb on true
      where ${builds.variantId} = ${variantId}) x
    ${archFilter(arch)}
    order by seq desc limit ${limit}`,
  );
}

/** A variant's latest finished boots with the given milestones (numbers only), numbered in time order. */
function bootPoints(
  db: Db,
  variantId: number,
  milestones: string[],
  limit: number,
  arch?: Arch[],
): Promise<PointRow[]> {
  const times = milestones.map(
    (m) =>
      sql`case jsonb_typeof(${boots.milestones}->${m}::text) when 'number' then (${boots.milestones}->>${m}::text)::float8 end`,
  );
  // The build's status by primary key per boot, never a scan of every build.
  return rowsOf<PointRow>(
    db,
    sql`select * from (
      select (row_number() over (order by ${boots.startedAt}, ${boots.id}))::int as seq,
        ${isoText(boots.startedAt)} as at, ${boots.buildId} as "buildId", ${boots.id} as "bootId",
        ${boots.outcome} as outcome, ${boots.arch} as arch,
        (select ${builds.status} from ${builds} where ${builds.id} = ${boots.buildId}) as "buildStatus",
        ${valueColumns(times)}
      from ${boots}
      where ${boots.variantId} = ${variantId} and ${boots.state} = 'finished') x
    ${archFilter(arch)}
    order by seq desc limit ${limit}`,
  );
}

function archFilter(arch?: Arch[]) {
  return arch?.length
    ? sql`where x.arch in (${sql.join(
        arch.map((a) => sql`${a}`),
        sql`, `,
      )})`
    : sql``;
}
