/** Variants and kernel sources: created on first sight, updated when a build says more. */
import { eq, sql } from 'drizzle-orm';
import type { ConfigFragment, KernelSourceInput } from '../../../common/types/ingest.ts';
import type { Db } from '../client.ts';
import { cleanJson, cleanNullable, cleanText } from '../sanitize.ts';
import { kernelSources, variants } from '../schema/index.ts';

export interface VariantUpsert {
  name: string;
  matrix?: string | null;
  baseConfig?: string | null;
  fragments?: ConfigFragment[];
}

/** The variant's id, creating it or refreshing what the caller knows about it. */
export async function upsertVariant(db: Db, v: VariantUpsert): Promise<number> {
  const set: Record<string, unknown> = { updatedAt: sql`now()` };
  if (v.matrix != null) set.matrix = cleanText(v.matrix);
  if (v.baseConfig != null) set.baseConfig = cleanText(v.baseConfig);
  if (v.fragments?.length) set.fragments = cleanJson(v.fragments);
  const [row] = await db
    .insert(variants)
    .values({
      name: cleanText(v.name),
      matrix: cleanNullable(v.matrix),
      baseConfig: cleanNullable(v.baseConfig),
      fragments: cleanJson(v.fragments ?? []),
    })
    .onConflictDoUpdate({ target: variants.name, set })
    .returning({ id: variants.id });
  return row.id;
}

/** The id of a variant by name, or null. */
export async function variantIdByName(db: Db, name: string): Promise<number | null> {
  const [row] = await db.select({ id: variants.id }).from(variants).where(eq(variants.name, name));
  return row?.id ?? null;
}

/** The source tree's id, one row per kind+name+commit. */
export async function upsertKernelSource(db: Db, s: KernelSourceInput): Promise<number> {
  const key = cleanText(`${s.kind}:${s.name}:${s.commit ?? ''}`);
  const [row] = await db
    .insert(kernelSources)
    .values({
      key,
      name: cleanText(s.name),
      version: cleanNullable(s.version),
      kind: s.kind,
      path: cleanNullable(s.path),
      commit: cleanNullable(s.commit),
    })
    .onConflictDoUpdate({
      target: kernelSources.key,
      set: { version: sql`coalesce(excluded.version, ${kernelSources.version})` },
    })
    .returning({ id: kernelSources.id });
  return row.id;
}

/** Every variant's id and name, by name. */
export async function listVariantNames(db: Db): Promise<{ id: number; name: string }[]> {
  return db.select({ id: variants.id, name: variants.name }).from(variants).orderBy(variants.name);
}
