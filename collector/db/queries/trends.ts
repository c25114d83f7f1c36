/** Series over a variant's history: image sizes and build times per build, milestone times per boot. */
import { and, desc, eq, sql } from 'drizzle-orm';
import type { PgColumn } from 'drizzle-orm/pg-core';
import type { BuildMetric, TrendMetric, TrendPoint, TrendSeries } from '../../../common/types/api.ts';
import type { BootOutcome } from '../../../common/types/ingest.ts';
import { MILESTONES } from '../../../common/types/parse.ts';
import type { Db } from '../client.ts';
import { iso } from '../rows.ts';
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
}

/** One series per variant and metric, oldest point first. */
export async function trendSeries(db: Db, p: TrendParams): Promise<TrendSeries[]> {
  const out: TrendSeries[] = [];
  for (const v of p.variants)
    for (const metric of p.metrics) {
      const isBuild = metric in BUILD_COLUMNS;
      const rows = isBuild
        ? await buildPoints(db, v.id, metric as BuildMetric, p.limit)
        : await bootPoints(db, v.id, metric, p.limit);
      const points: TrendPoint[] = rows.reverse().map((r) => ({
        seq: Number(r.seq),
        at: iso(r.at)!,
        buildId: r.buildId,
        bootId: r.bootId,
        value: r.value == null ? null : Number(r.value),
        outcome: r.outcome,
        buildStatus: r.buildStatus,
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

/** A build metric per build, numbered in time order, with the build's latest finished boot. */
function buildPoints(db: Db, variantId: number, metric: BuildMetric, limit: number) {
  const lb = db
    .select({ id: boots.id, outcome: boots.outcome })
    .from(boots)
    .where(and(eq(boots.buildId, builds.id), eq(boots.state, 'finished')))
    .orderBy(desc(boots.startedAt), desc(boots.id))
    .limit(1)
    .as('lb');
  const x = db
    .select({
      seq: sql<number>`row_number() over (order by ${builds.startedAt}, ${builds.id})`.as('seq'),
      at: sql<Date>`${builds.startedAt}`.as('at'),
      buildId: sql<number | null>`${builds.id}`.as('build_id'),
      bootId: sql<number | null>`${lb.id}`.as('boot_id'),
      value: sql<string | number | null>`${BUILD_COLUMNS[metric].column}`.as('value'),
      outcome: sql<BootOutcome | null>`${lb.outcome}`.as('outcome'),
      buildStatus: builds.status,
    })
    .from(builds)
    .leftJoinLateral(lb, sql`true`)
    .where(eq(builds.variantId, variantId))
    .as('x');
  return db.select().from(x).orderBy(desc(x.seq)).limit(limit);
}

/** A milestone's time per finished boot, numbered in time order. */
function bootPoints(db: Db, variantId: number, metric: TrendMetric, limit: number) {
  const milestone = metric.slice('boot.'.length);
  if (!(MILESTONES as readonly string[]).includes(milestone)) throw new Error(`unknown metric ${metric}`);
  const x = db
    .select({
      seq: sql<number>`row_number() over (order by ${boots.startedAt}, ${boots.id})`.as('seq'),
      at: sql<Date>`${boots.startedAt}`.as('at'),
      buildId: boots.buildId,
      bootId: sql<number | null>`${boots.id}`.as('boot_id'),
      value: sql<string | number | null>`(${boots.milestones} ->> ${milestone})::float8`.as('value'),
      outcome: boots.outcome,
      buildStatus: builds.status,
    })
    .from(boots)
    .leftJoin(builds, eq(builds.id, boots.buildId))
    .where(and(eq(boots.variantId, variantId), eq(boots.state, 'finished')))
    .as('x');
  return db.select().from(x).orderBy(desc(x.seq)).limit(limit);
}
