/**
 * A variant's recent history at any size of the whole: each read walks one variant's index
 * a few entries deep, or reads the summaries the database keeps (schema/summaries.ts), so
 * the cost does not grow with the boots stored. Writers call nothing here: triggers keep
 * the summaries, whoever inserts or deletes (ingest, re-imports, prune, cascades).
 */
import { and, desc, eq, inArray, sql } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import type { Db } from '../client.ts';
import { boots, issueVariants, variants } from '../schema/index.ts';

/** The latest `n` finished boots of each variant, newest first. */
export async function latestFinishedBoots(
  db: Db,
  variantIds: number[],
  n: number,
): Promise<Map<number, number[]>> {
  const out = new Map<number, number[]>();
  if (!variantIds.length) return out;
  const b = db
    .select({ id: boots.id, startedAt: boots.startedAt })
    .from(boots)
    .where(and(eq(boots.variantId, variants.id), eq(boots.state, 'finished')))
    .orderBy(desc(boots.startedAt), desc(boots.id))
    .limit(n)
    .as('b');
  const rows = await db
    .select({ variantId: variants.id, id: b.id })
    .from(variants)
    .innerJoinLateral(b, sql`true`)
    .where(inArray(variants.id, variantIds))
    .orderBy(variants.id, desc(b.startedAt), desc(b.id));
  for (const r of rows) out.set(r.variantId, [...(out.get(r.variantId) ?? []), r.id]);
  return out;
}

/** For each boot, the newest finished boot of its variant before it (null: none). */
export async function earlierBoots(db: Db, bootIds: number[]): Promise<Map<number, number | null>> {
  if (!bootIds.length) return new Map();
  const given = alias(boots, 'given');
  const prev = db
    .select({ id: boots.id })
    .from(boots)
    .where(
      and(
        eq(boots.variantId, given.variantId),
        eq(boots.state, 'finished'),
        sql`(${boots.startedAt}, ${boots.id}) < (${given.startedAt}, ${given.id})`,
      ),
    )
    .orderBy(desc(boots.startedAt), desc(boots.id))
    .limit(1)
    .as('prev');
  const rows = await db
    .select({ id: given.id, prev: prev.id })
    .from(given)
    .leftJoinLateral(prev, sql`true`)
    .where(inArray(given.id, bootIds));
  return new Map(rows.map((r) => [r.id, r.prev]));
}

/** Per issue and variant: how often, first and last appearance (from the summary). */
export function issueVariantStats(db: Db, issueIds: number[]) {
  return db
    .select({
      issueId: issueVariants.issueId,
      variantId: sql<number | null>`nullif(${issueVariants.variantKey}, 0)`,
      variant: variants.name,
      count: issueVariants.count,
      firstSeen: issueVariants.firstSeenAt,
      lastSeen: issueVariants.lastSeenAt,
      firstBootId: issueVariants.firstBootId,
      lastBootId: issueVariants.lastBootId,
    })
    .from(issueVariants)
    .leftJoin(variants, eq(variants.id, issueVariants.variantKey))
    .where(inArray(issueVariants.issueId, issueIds));
}
