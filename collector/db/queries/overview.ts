/** Each variant's latest build and boot at a glance: the dashboard's front page. */
import { and, desc, eq, sql } from 'drizzle-orm';
import type { VariantOverview } from '../../../common/types/api.ts';
import type { Db } from '../client.ts';
import { iso } from '../rows.ts';
import { boots, builds, variants } from '../schema/index.ts';

/** Every (non-scratch) variant with its latest build (and the size change against the one before) and latest boot. */
export async function listVariantOverviews(db: Db): Promise<VariantOverview[]> {
  const lb = db
    .select({
      id: builds.id,
      status: builds.status,
      startedAt: builds.startedAt,
      wallMs: builds.wallMs,
      imageSize: builds.imageSize,
    })
    .from(builds)
    .where(eq(builds.variantId, variants.id))
    .orderBy(desc(builds.startedAt), desc(builds.id))
    .limit(1)
    .as('lb');
  const pb = db
    .select({ id: builds.id, imageSize: builds.imageSize })
    .from(builds)
    .where(
      and(
        eq(builds.variantId, variants.id),
        sql`(${builds.startedAt}, ${builds.id}) < (${lb.startedAt}, ${lb.id})`,
      ),
    )
    .orderBy(desc(builds.startedAt), desc(builds.id))
    .limit(1)
    .as('pb');
  const lt = db
    .select({
      id: boots.id,
      state: boots.state,
      outcome: boots.outcome,
      startedAt: boots.startedAt,
      milestones: boots.milestones,
      lastStage: boots.lastStage,
      panic: boots.panic,
      firstCrash: boots.firstCrash,
      topDiagnosis: boots.topDiagnosis,
    })
    .from(boots)
    .where(eq(boots.variantId, variants.id))
    .orderBy(desc(boots.startedAt), desc(boots.id))
    .limit(1)
    .as('lt');
  const rows = await db
    .select({
      name: variants.name,
      matrix: variants.matrix,
      fragments: variants.fragments,
      baseConfig: variants.baseConfig,
      buildCount: sql<number>`(select count(*)::int from ${builds} where ${builds.variantId} = ${variants.id})`,
      bootCount: sql<number>`(select count(*)::int from ${boots} where ${boots.variantId} = ${variants.id})`,
      buildId: lb.id,
      buildStatus: lb.status,
      buildStartedAt: lb.startedAt,
      wallMs: lb.wallMs,
      image: lb.imageSize,
      prevBuildId: pb.id,
      prevImage: pb.imageSize,
      bootId: lt.id,
      bootState: lt.state,
      outcome: lt.outcome,
      bootStartedAt: lt.startedAt,
      milestones: lt.milestones,
      lastStage: lt.lastStage,
      panic: lt.panic,
      firstCrash: lt.firstCrash,
      topDiagnosis: lt.topDiagnosis,
    })
    .from(variants)
    .leftJoinLateral(lb, sql`true`)
    .leftJoinLateral(pb, sql`true`)
    .leftJoinLateral(lt, sql`true`)
    // Scratch variants (name~bisect: a bisection's candidates) are reached from their bisection.
    .where(sql`position('~' in ${variants.name}) = 0`)
    .orderBy(variants.name);
  return rows.map((r) => ({
    name: r.name,
    matrix: r.matrix,
    baseConfig: r.baseConfig,
    fragments: (r.fragments ?? []).map((f) => f.name),
    buildCount: Number(r.buildCount),
    bootCount: Number(r.bootCount),
    latestBuild:
      r.buildId == null
        ? null
        : {
            id: r.buildId,
            status: r.buildStatus!,
            startedAt: iso(r.buildStartedAt)!,
            wallMs: r.wallMs,
            imageSize: r.image,
            imageSizeDelta: r.image != null && r.prevImage != null ? r.image - r.prevImage : null,
            previousBuildId: r.prevBuildId,
          },
    latestBoot:
      r.bootId == null
        ? null
        : {
            id: r.bootId,
            state: r.bootState!,
            outcome: r.outcome,
            startedAt: iso(r.bootStartedAt)!,
            timeToInit: r.milestones?.init_start ?? null,
            lastStage: r.lastStage,
            panicReason: r.panic?.reason ?? null,
            firstCrash: r.firstCrash,
            topDiagnosis: r.topDiagnosis,
          },
  }));
}
