/** Series over a variant's history: image sizes and build times per build, milestone times per boot. */
import { type SQL, sql } from 'drizzle-orm';
import type { BuildMetric, TrendMetric, TrendPoint, TrendSeries } from '../../../common/types/api.ts';
import type { BootOutcome, Status } from '../../../common/types/ingest.ts';
import { MILESTONES } from '../../../common/types/parse.ts';
import type { Db } from '../client.ts';
import { iso, rowsOf } from '../rows.ts';

const BUILD_COLUMNS: Record<BuildMetric, { column: SQL; unit: TrendSeries['unit'] }> = {
  'size.image': { column: sql`b.image_size`, unit: 'bytes' },
  'size.vmlinux': { column: sql`b.vmlinux_size`, unit: 'bytes' },
  'size.text': { column: sql`b.text_size`, unit: 'bytes' },
  'size.data': { column: sql`b.data_size`, unit: 'bytes' },
  'size.bss': { column: sql`b.bss_size`, unit: 'bytes' },
  'build.wall': { column: sql`b.wall_ms`, unit: 'ms' },
  'build.user': { column: sql`b.user_ms`, unit: 'ms' },
  'build.sys': { column: sql`b.sys_ms`, unit: 'ms' },
};

interface PointRow {
  seq: string | number;
  at: Date;
  build_id: number | null;
  boot_id: number | null;
  value: string | number | null;
  outcome: BootOutcome | null;
  build_status: Status | null;
}

export interface TrendParams {
  variants: { id: number; name: string }[];
  metrics: TrendMetric[];
  /** Latest points kept per series. */
  limit: number;
}

/** One series per variant and metric, oldest point first. */
export async function trendSeries(db: Db, p: TrendParams): Promise<TrendSeries[]> {
  const out: TrendSeries[] = [];
  for (const v of p.variants)
    for (const metric of p.metrics) {
      const isBuild = metric in BUILD_COLUMNS;
      const rows = await rowsOf<PointRow>(
        db,
        isBuild ? buildPoints(v.id, metric as BuildMetric, p.limit) : bootPoints(v.id, metric, p.limit),
      );
      const points: TrendPoint[] = rows.reverse().map((r) => ({
        seq: Number(r.seq),
        at: iso(r.at)!,
        buildId: r.build_id,
        bootId: r.boot_id,
        value: r.value == null ? null : Number(r.value),
        outcome: r.outcome,
        buildStatus: r.build_status,
      }));
      out.push({
        variant: v.name,
        metric,
        unit: isBuild ? BUILD_COLUMNS[metric as BuildMetric].unit : 's',
        points,
      });
    }
  return out;
}

function buildPoints(variantId: number, metric: BuildMetric, limit: number): SQL {
  return sql`
    select * from (
      select row_number() over (order by b.started_at, b.id) as seq, b.started_at as at, b.id as build_id,
        lb.id as boot_id, ${BUILD_COLUMNS[metric].column} as value, lb.outcome, b.status as build_status
      from builds b
      left join lateral (
        select t.id, t.outcome from boots t where t.build_id = b.id and t.state = 'finished'
        order by t.started_at desc, t.id desc limit 1) lb on true
      where b.variant_id = ${variantId}) x
    order by seq desc limit ${limit}`;
}

function bootPoints(variantId: number, metric: TrendMetric, limit: number): SQL {
  const milestone = metric.slice('boot.'.length);
  if (!(MILESTONES as readonly string[]).includes(milestone)) throw new Error(`unknown metric ${metric}`);
  return sql`
    select * from (
      select row_number() over (order by t.started_at, t.id) as seq, t.started_at as at, t.build_id,
        t.id as boot_id, (t.milestones ->> ${milestone})::float8 as value, t.outcome, b.status as build_status
      from boots t left join builds b on b.id = t.build_id
      where t.variant_id = ${variantId} and t.state = 'finished') x
    order by seq desc limit ${limit}`;
}
