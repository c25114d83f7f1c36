/** Stored regressions: open and fix them, list them, and the baselines users pin. */
import { and, desc, eq, inArray, type SQL, sql } from 'drizzle-orm';
import type { Arch } from '../../../common/arch.ts';
import type { Finding, RegressionOptions } from '../../analysis/regressions.ts';
import type { Db } from '../client.ts';
import { iso } from '../rows.ts';
import { cleanJson, cleanText } from '../sanitize.ts';
import {
  boots,
  builds,
  regressions,
  variantBaselines,
  variants,
  variantThresholds,
} from '../schema/index.ts';

export type RegressionRow = typeof regressions.$inferSelect;

/** The variant's open regressions as findings (with their row ids). */
export async function openRegressions(db: Db, variantId: number): Promise<(Finding & { id: number })[]> {
  const rows = await db
    .select()
    .from(regressions)
    .where(and(eq(regressions.variantId, variantId), eq(regressions.status, 'open')));
  return rows.map(toFinding);
}

function toFinding(r: RegressionRow): Finding & { id: number } {
  return {
    id: r.id,
    kind: r.kind,
    key: r.key,
    severity: r.severity,
    title: r.title,
    was: r.was ?? null,
    now: r.now ?? null,
    threshold: r.threshold ?? undefined,
    stats: r.stats,
    time: r.time,
    evidence: r.evidence,
  };
}

export interface RunRef {
  bootId: number | null;
  buildId: number | null;
}

/** Opens regressions (a key already open for the variant is left alone); returns the new ids. */
export async function insertRegressions(
  db: Db,
  variantId: number,
  found: Finding[],
  run: RunRef,
  baseline: RunRef | null,
): Promise<number[]> {
  if (!found.length) return [];
  const rows = await db
    .insert(regressions)
    .values(
      found.map((f) => ({
        variantId,
        key: cleanText(f.key),
        kind: f.kind,
        severity: f.severity,
        title: cleanText(f.title),
        bootId: run.bootId,
        buildId: run.buildId,
        baselineBootId: baseline?.bootId ?? null,
        baselineBuildId: baseline?.buildId ?? null,
        was: f.was,
        now: typeof f.now === 'string' ? cleanText(f.now) : f.now,
        threshold: f.threshold != null && Number.isFinite(f.threshold) ? f.threshold : null,
        stats: f.stats ?? null,
        time: f.time ?? null,
        evidence: cleanJson(f.evidence),
      })),
    )
    .onConflictDoNothing()
    .returning({ id: regressions.id });
  return rows.map((r) => r.id);
}

/** Closes regressions a run showed gone. */
export async function markFixed(db: Db, ids: number[], run: RunRef): Promise<void> {
  if (!ids.length) return;
  await db
    .update(regressions)
    .set({ status: 'fixed', fixedBootId: run.bootId, fixedBuildId: run.buildId, fixedAt: new Date() })
    .where(and(inArray(regressions.id, ids), eq(regressions.status, 'open')));
}

export interface RegressionListParams {
  status?: 'open' | 'fixed';
  variant?: string[];
  /** Only regressions that appeared in (or were fixed by) these boots or builds. */
  bootIds?: number[];
  buildIds?: number[];
  /** Only regressions whose boot (without one, build) is of these architectures. */
  arch?: Arch[];
  limit: number;
}

/** Regressions newest first, with their variant's name. */
export async function listRegressions(db: Db, p: RegressionListParams) {
  const conds: (SQL | undefined)[] = [];
  if (p.status) conds.push(eq(regressions.status, p.status));
  if (p.variant?.length) conds.push(inArray(variants.name, p.variant));
  if (p.arch?.length)
    conds.push(
      inArray(
        sql`coalesce((select ${boots.arch} from ${boots} where ${boots.id} = ${regressions.bootId}),
          (select ${builds.arch} from ${builds} where ${builds.id} = ${regressions.buildId}))`,
        p.arch,
      ),
    );
  const runs: SQL[] = [];
  if (p.bootIds?.length)
    runs.push(inArray(regressions.bootId, p.bootIds), inArray(regressions.fixedBootId, p.bootIds));
  if (p.buildIds?.length)
    runs.push(inArray(regressions.buildId, p.buildIds), inArray(regressions.fixedBuildId, p.buildIds));
  if (runs.length) conds.push(sql`(${sql.join(runs, sql` or `)})`);
  const rows = await db
    .select({ r: regressions, variant: variants.name })
    .from(regressions)
    .innerJoin(variants, eq(variants.id, regressions.variantId))
    .where(and(...conds))
    .orderBy(desc(regressions.detectedAt), desc(regressions.id))
    .limit(p.limit);
  return rows.map(({ r, variant }) => toRegression(r, variant));
}

/** One regression, or null. */
export async function getRegression(db: Db, id: number) {
  const [row] = await db
    .select({ r: regressions, variant: variants.name })
    .from(regressions)
    .innerJoin(variants, eq(variants.id, regressions.variantId))
    .where(eq(regressions.id, id));
  return row ? toRegression(row.r, row.variant) : null;
}

function toRegression(r: RegressionRow, variant: string) {
  return {
    id: r.id,
    variant,
    key: r.key,
    kind: r.kind,
    severity: r.severity,
    title: r.title,
    status: r.status,
    bootId: r.bootId,
    buildId: r.buildId,
    baselineBootId: r.baselineBootId,
    baselineBuildId: r.baselineBuildId,
    was: r.was ?? null,
    now: r.now ?? null,
    threshold: r.threshold,
    stats: r.stats ?? null,
    evidence: r.evidence,
    detectedAt: iso(r.detectedAt)!,
    fixedBootId: r.fixedBootId,
    fixedBuildId: r.fixedBuildId,
    fixedAt: iso(r.fixedAt),
  };
}

/** Pins a boot as its variant's baseline (replacing any pin). */
export async function pinBaseline(
  db: Db,
  variantId: number,
  bootId: number,
  note: string | null,
): Promise<void> {
  await db
    .insert(variantBaselines)
    .values({ variantId, bootId, note })
    .onConflictDoUpdate({
      target: variantBaselines.variantId,
      set: { bootId, note, pinnedAt: new Date() },
    });
}

/** Removes a variant's pin; true when there was one. */
export async function unpinBaseline(db: Db, variantId: number): Promise<boolean> {
  const rows = await db
    .delete(variantBaselines)
    .where(eq(variantBaselines.variantId, variantId))
    .returning({ v: variantBaselines.variantId });
  return rows.length > 0;
}

/** The pinned baseline boot of a variant, or null. */
export async function pinnedBaseline(db: Db, variantId: number): Promise<number | null> {
  const [r] = await db
    .select({ bootId: variantBaselines.bootId })
    .from(variantBaselines)
    .where(eq(variantBaselines.variantId, variantId));
  return r?.bootId ?? null;
}

/** Every pin, with the variant's name. */
export async function listBaselines(db: Db) {
  const rows = await db
    .select({
      variant: variants.name,
      bootId: variantBaselines.bootId,
      buildId: boots.buildId,
      note: variantBaselines.note,
      pinnedAt: variantBaselines.pinnedAt,
    })
    .from(variantBaselines)
    .innerJoin(variants, eq(variants.id, variantBaselines.variantId))
    .innerJoin(boots, eq(boots.id, variantBaselines.bootId))
    .orderBy(variants.name);
  return rows.map((r) => ({ ...r, pinnedAt: iso(r.pinnedAt)! }));
}

/** A variant's threshold overrides, or null. */
export async function getThresholds(db: Db, variantId: number): Promise<Partial<RegressionOptions> | null> {
  const [r] = await db
    .select({ options: variantThresholds.options })
    .from(variantThresholds)
    .where(eq(variantThresholds.variantId, variantId));
  return r?.options ?? null;
}

/** Replaces a variant's threshold overrides. */
export async function setThresholds(
  db: Db,
  variantId: number,
  options: Partial<RegressionOptions>,
): Promise<void> {
  await db
    .insert(variantThresholds)
    .values({ variantId, options })
    .onConflictDoUpdate({ target: variantThresholds.variantId, set: { options, updatedAt: new Date() } });
}
