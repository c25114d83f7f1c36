/** Each variant's latest build and boot at a glance: the dashboard's front page. */
import { and, desc, eq, inArray, sql } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import type { Arch } from '../../../common/arch.ts';
import type { VariantOverview } from '../../../common/types/api.ts';
import type { Db } from '../client.ts';
import { iso } from '../rows.ts';
import { boots, builds, variantSummaries, variants } from '../schema/index.ts';

/**
 * Every (non-scratch) variant with its latest build (and the size change against the one before)
 * and latest boot; with `arch`, only variants of those architectures.
 */
export async function listVariantOverviews(db: Db, f: { arch?: Arch[] } = {}): Promise<VariantOverview[]> {
  // Counts and the latest build and boot come from the summary the database keeps; only the
  // build before the latest is looked up (one index probe per variant).
  const lb = alias(builds, 'lb');
  const lt = alias(boots, 'lt');
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
  // A variant's arch is its builds' (the latest's), else what its latest boot ran.
  const variantArch = sql<string | null>`coalesce(${lb.arch}, ${lt.arch})`;
  const rows = await db
    .select({
      name: variants.name,
      matrix: variants.matrix,
      fragments: variants.fragments,
      baseConfig: variants.baseConfig,
      buildCount: variantSummaries.buildCount,
      bootCount: variantSummaries.bootCount,
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
      arch: variantArch,
    })
    .from(variants)
    .leftJoin(variantSummaries, eq(variantSummaries.variantId, variants.id))
    .leftJoin(lb, eq(lb.id, variantSummaries.latestBuildId))
    .leftJoin(lt, eq(lt.id, variantSummaries.latestBootId))
    .leftJoinLateral(pb, sql`true`)
    // Scratch variants (name~bisect: a bisection's candidates) are reached from their bisection.
    .where(
      and(
        sql`position('~' in ${variants.name}) = 0`,
        f.arch?.length ? inArray(variantArch, f.arch) : undefined,
      ),
    )
    .orderBy(variants.name);
  return rows.map((r) => ({
    name: r.name,
    matrix: r.matrix,
    baseConfig: r.baseConfig,
    fragments: (r.fragments ?? []).map((f) => f.name),
    arch: r.arch,
    buildCount: r.buildCount ?? 0,
    bootCount: r.bootCount ?? 0,
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
