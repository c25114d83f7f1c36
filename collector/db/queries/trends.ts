/** Series over a variant's history: image sizes and build times per build, milestone times per boot. */
import { and, desc, eq, inArray, sql } from 'drizzle-orm';
import type { PgColumn } from 'drizzle-orm/pg-core';
import type { Arch } from '../../../common/arch.ts';
import type { BuildMetric, TrendMetric, TrendPoint, TrendSeries } from '../../../common/types/api.ts';
import type { BootOutcome, Status } from '../../../common/types/ingest.ts';
import { MILESTONES, type MilestoneName } from '../../../common/types/parse.ts';
import type { Db } from '../client.ts';
import { iso } from '../rows.ts';
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
  for (const r of rows) out.set(r.arch, [...(out.get(r.arch) ?? []), r]);
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

/** A variant's latest builds with every build metric, numbered in time order, each with its latest finished boot. */
function buildPoints(db: Db, variantId: number, limit: number, arch?: Arch[]) {
  // The build's newest finished boot: one probe of boots_build_idx per build.
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
      outcome: sql<BootOutcome | null>`${lb.outcome}`.as('outcome'),
      buildStatus: builds.status,
      arch: builds.arch,
      sizes: sql<Record<BuildColumn, string | number | null>>`json_build_object(${sql.join(
        Object.values(BUILD_COLUMNS).map((c) => sql`${c.key}::text, ${c.column}`),
        sql`, `,
      )})`.as('sizes'),
    })
    .from(builds)
    .leftJoinLateral(lb, sql`true`)
    .where(eq(builds.variantId, variantId))
    .as('x');
  // Filtered outside the numbering: a point keeps its place in the variant's whole history.
  return db
    .select()
    .from(x)
    .where(arch?.length ? inArray(x.arch, arch) : undefined)
    .orderBy(desc(x.seq))
    .limit(limit);
}

/** A variant's latest finished boots with their milestones, numbered in time order. */
function bootPoints(db: Db, variantId: number, limit: number, arch?: Arch[]) {
  const x = db
    .select({
      seq: sql<number>`row_number() over (order by ${boots.startedAt}, ${boots.id})`.as('seq'),
      at: sql<Date>`${boots.startedAt}`.as('at'),
      buildId: boots.buildId,
      bootId: sql<number | null>`${boots.id}`.as('boot_id'),
      milestones: boots.milestones,
      outcome: boots.outcome,
      arch: sql<string | null>`${boots.arch}`.as('arch'),
      // A scalar subquery: one primary-key probe per boot, never a scan of every build.
      buildStatus:
        sql<Status | null>`(select ${builds.status} from ${builds} where ${builds.id} = ${boots.buildId})`.as(
          'build_status',
        ),
    })
    .from(boots)
    .where(and(eq(boots.variantId, variantId), eq(boots.state, 'finished')))
    .as('x');
  return db
    .select()
    .from(x)
    .where(arch?.length ? inArray(x.arch, arch) : undefined)
    .orderBy(desc(x.seq))
    .limit(limit);
}
