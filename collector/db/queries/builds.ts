/** Builds: store what a runner reports, read them back for lists, details and size diffs. */
import { createHash } from 'node:crypto';
import { and, desc, eq, lt, or, sql } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import type { BuildDetail, BuildSummary, SizeDiff } from '../../../common/types/api.ts';
import type { BuildInput, SymbolSize } from '../../../common/types/ingest.ts';
import { diffSizes } from '../../analysis/size-diff.ts';
import { byteaHex, byteaValue, fromHex, gzipText, packSymbols, unpackSymbols } from '../blobs.ts';
import type { Db } from '../client.ts';
import { iso } from '../rows.ts';
import { cleanJson, cleanNullable, cleanText } from '../sanitize.ts';
import {
  buildSymbols,
  buildSystemMaps,
  builds,
  configs,
  kernelSources,
  NO_SUBMITTER,
  type Submitter,
  variants,
} from '../schema/index.ts';
import { upsertKernelSource, upsertVariant } from './catalog.ts';
import { climbAttemptsOf } from './climbs.ts';

/** Stores a build once per idempotency key; `created` is false for a repeat. */
export async function storeBuild(
  db: Db,
  input: BuildInput,
  by: Submitter = NO_SUBMITTER,
): Promise<{ id: number; created: boolean }> {
  const key = cleanNullable(input.idempotencyKey);
  if (key) {
    const [existing] = await db.select({ id: builds.id }).from(builds).where(eq(builds.idempotencyKey, key));
    if (existing) return { id: existing.id, created: false };
  }
  const id = await db.transaction(async (tx) => {
    const variantId = await upsertVariant(tx, {
      name: input.variant,
      matrix: input.matrix,
      baseConfig: input.baseConfig,
      fragments: input.fragments,
    });
    const sourceId = input.source ? await upsertKernelSource(tx, input.source) : null;
    const configId = input.config != null ? await storeConfig(tx, input.config) : null;
    const sizes = input.sizes ?? {};
    const [row] = await tx
      .insert(builds)
      .values({
        variantId,
        sourceId,
        configId,
        matrix: cleanNullable(input.matrix),
        arch: cleanNullable(input.arch),
        baseConfig: cleanNullable(input.baseConfig),
        fragments: cleanJson(input.fragments ?? []),
        status: input.status,
        exitCode: input.exitCode ?? null,
        startedAt: new Date(input.startedAt),
        wallMs: roundOrNull(input.wallMs),
        userMs: roundOrNull(input.userMs),
        sysMs: roundOrNull(input.sysMs),
        imageSize: sizes.image ?? null,
        vmlinuxSize: sizes.vmlinux ?? null,
        textSize: sizes.text ?? null,
        dataSize: sizes.data ?? null,
        bssSize: sizes.bss ?? null,
        compiler: cleanNullable(input.compiler),
        command: cleanNullable(input.command),
        host: cleanNullable(input.host),
        logTail: cleanNullable(input.logTail),
        ...by,
        warnings: cleanJson(input.warnings ?? []),
        errors: cleanJson(input.errors ?? []),
        dropped: cleanJson(input.dropped ?? []),
        symbolCount: input.symbols?.length ?? 0,
        idempotencyKey: key,
      })
      .returning({ id: builds.id });
    if (input.symbols?.length)
      await tx.insert(buildSymbols).values({
        buildId: row.id,
        count: input.symbols.length,
        data: byteaValue(packSymbols(input.symbols)),
      });
    if (input.systemMap)
      await tx.insert(buildSystemMaps).values({
        buildId: row.id,
        bytes: Buffer.byteLength(input.systemMap),
        data: byteaValue(gzipText(input.systemMap)),
      });
    return row.id;
  });
  return { id, created: true };
}

function roundOrNull(v: number | null | undefined): number | null {
  return v == null ? null : Math.round(v);
}

/** The id of this exact .config text, stored once. */
async function storeConfig(db: Db, content: string): Promise<number> {
  const text = cleanText(content);
  const sha256 = createHash('sha256').update(text).digest('hex');
  const [row] = await db
    .insert(configs)
    .values({ sha256, content: text, bytes: Buffer.byteLength(text) })
    // A no-op update so `returning` yields the id of an existing row too.
    .onConflictDoUpdate({ target: configs.sha256, set: { sha256: sql`excluded.sha256` } })
    .returning({ id: configs.id });
  return row.id;
}

const summaryColumns = {
  id: builds.id,
  variant: variants.name,
  status: builds.status,
  exitCode: builds.exitCode,
  arch: builds.arch,
  startedAt: builds.startedAt,
  wallMs: builds.wallMs,
  userMs: builds.userMs,
  sysMs: builds.sysMs,
  image: builds.imageSize,
  vmlinux: builds.vmlinuxSize,
  text: builds.textSize,
  data: builds.dataSize,
  bss: builds.bssSize,
  configHash: configs.sha256,
  sourceName: kernelSources.name,
  sourceVersion: kernelSources.version,
  compiler: builds.compiler,
  warningCount: sql<number>`jsonb_array_length(${builds.warnings})::int`,
  errorCount: sql<number>`jsonb_array_length(${builds.errors})::int`,
  droppedCount: sql<number>`jsonb_array_length(${builds.dropped})::int`,
  symbolCount: builds.symbolCount,
  submittedBy: builds.submittedBy,
};

/** Builds joined with what a summary names: variant, .config hash, source. */
function selectSummaries(db: Db) {
  return db
    .select(summaryColumns)
    .from(builds)
    .innerJoin(variants, eq(variants.id, builds.variantId))
    .leftJoin(configs, eq(configs.id, builds.configId))
    .leftJoin(kernelSources, eq(kernelSources.id, builds.sourceId))
    .$dynamic();
}

type SummaryRow = Awaited<ReturnType<typeof selectSummaries>>[number];

function toSummary(r: SummaryRow): BuildSummary {
  return {
    id: r.id,
    variant: r.variant,
    status: r.status,
    exitCode: r.exitCode,
    arch: r.arch,
    startedAt: iso(r.startedAt)!,
    wallMs: r.wallMs,
    userMs: r.userMs,
    sysMs: r.sysMs,
    sizes: { image: r.image, vmlinux: r.vmlinux, text: r.text, data: r.data, bss: r.bss },
    configHash: r.configHash,
    source: r.sourceName ? { name: r.sourceName, version: r.sourceVersion } : null,
    compiler: r.compiler,
    warningCount: Number(r.warningCount),
    errorCount: Number(r.errorCount),
    droppedCount: Number(r.droppedCount),
    symbolCount: r.symbolCount,
    submittedBy: r.submittedBy,
  };
}

export interface BuildListParams {
  variant?: string;
  limit: number;
  /** Only builds older than this build (a page cursor). */
  before?: number;
}

/** Builds newest first, optionally of one variant. */
export async function listBuilds(db: Db, p: BuildListParams): Promise<BuildSummary[]> {
  const conds = [];
  if (p.variant) conds.push(eq(variants.name, p.variant));
  if (p.before) {
    const cursor = db.select({ startedAt: builds.startedAt }).from(builds).where(eq(builds.id, p.before));
    conds.push(
      or(
        lt(builds.startedAt, sql`(${cursor})`),
        and(eq(builds.startedAt, sql`(${cursor})`), lt(builds.id, p.before)),
      ),
    );
  }
  const rows = await selectSummaries(db)
    .where(conds.length ? and(...conds) : undefined)
    .orderBy(desc(builds.startedAt), desc(builds.id))
    .limit(p.limit);
  return rows.map(toSummary);
}

/** One build with its .config text, fragments and findings, or null. */
export async function getBuild(db: Db, id: number): Promise<BuildDetail | null> {
  const [summary] = await selectSummaries(db).where(eq(builds.id, id));
  if (!summary) return null;
  const [r] = await db
    .select({
      matrix: builds.matrix,
      baseConfig: builds.baseConfig,
      fragments: builds.fragments,
      config: configs.content,
      dropped: builds.dropped,
      warnings: builds.warnings,
      errors: builds.errors,
      command: builds.command,
      logTail: builds.logTail,
      host: builds.host,
      systemMapBytes: buildSystemMaps.bytes,
    })
    .from(builds)
    .leftJoin(configs, eq(configs.id, builds.configId))
    .leftJoin(buildSystemMaps, eq(buildSystemMaps.buildId, builds.id))
    .where(eq(builds.id, id));
  const { systemMapBytes, ...detail } = r;
  return {
    ...toSummary(summary),
    ...detail,
    hasSystemMap: systemMapBytes != null,
    climbAttempts: await climbAttemptsOf(db, { buildId: id }),
  };
}

/** A build's .config text: undefined when there is no such build, null when it stored none. */
export async function buildConfig(db: Db, id: number): Promise<string | null | undefined> {
  const [r] = await db
    .select({ config: configs.content })
    .from(builds)
    .leftJoin(configs, eq(configs.id, builds.configId))
    .where(eq(builds.id, id));
  return r?.config;
}

/** The build's variant, or null when there is no such build. */
export async function buildExists(
  db: Db,
  id: number,
): Promise<{ variantId: number; variant: string } | null> {
  const [r] = await db
    .select({ variantId: builds.variantId, variant: variants.name })
    .from(builds)
    .innerJoin(variants, eq(variants.id, builds.variantId))
    .where(eq(builds.id, id));
  return r ?? null;
}

/** The build's per-symbol sizes, or null when it has none stored. */
export async function getBuildSymbols(db: Db, id: number): Promise<SymbolSize[] | null> {
  const [r] = await db
    .select({ hex: byteaHex(buildSymbols.data) })
    .from(buildSymbols)
    .where(eq(buildSymbols.buildId, id));
  return r ? unpackSymbols(fromHex(r.hex)) : null;
}

/** Per-symbol size changes from `againstId` to `id`, with scripts/bloat-o-meter's semantics. */
export async function sizeDiff(db: Db, id: number, againstId: number): Promise<SizeDiff | null> {
  const [now, was] = await Promise.all([getBuildSymbols(db, id), getBuildSymbols(db, againstId)]);
  if (!now || !was) return null;
  const r = diffSizes(was, now);
  return {
    buildId: id,
    againstId,
    added: r.added,
    removed: r.removed,
    grown: r.grown,
    shrunk: r.shrunk,
    total: { old: r.oldTotal, new: r.newTotal, delta: r.newTotal - r.oldTotal },
    symbols: r.changes.map((c) => ({
      name: c.name,
      type: c.type,
      old: c.old ?? 0,
      new: c.new ?? 0,
      delta: c.delta,
    })),
  };
}

/** The build of the same variant just before this one, or null. */
export async function previousBuildId(db: Db, id: number): Promise<number | null> {
  const b = alias(builds, 'b');
  const [r] = await db
    .select({ id: builds.id })
    .from(builds)
    .innerJoin(b, and(eq(b.id, id), eq(builds.variantId, b.variantId)))
    .where(sql`(${builds.startedAt}, ${builds.id}) < (${b.startedAt}, ${b.id})`)
    .orderBy(desc(builds.startedAt), desc(builds.id))
    .limit(1);
  return r?.id ?? null;
}
