/** A boot's console: raw byte chunks (lossless) and parsed display lines. */
import { and, asc, eq, gte, inArray, sql } from 'drizzle-orm';
import type { ConsoleLine } from '../../../common/types/api.ts';
import type { LineUpdate } from '../../../common/types/parse.ts';
import { byteaHex, byteaValue, decompressConsole, fromHex, hexOf } from '../blobs.ts';
import type { CopyIn, Db } from '../client.ts';
import { copyParts, copyRow } from '../copy-rows.ts';
import { rowsOf } from '../rows.ts';
import { cleanText } from '../sanitize.ts';
import { boots, type ChunkEncoding, consoleChunks, consoleLines } from '../schema/index.ts';

/** Largest chunk row: big uploads are split so no single value gets unwieldy. */
const CHUNK_ROW_BYTES = 1 << 20;
/** Lines per insert: one array parameter per column keeps any batch one statement. */
const LINE_BATCH = 5000;

/** Console bytes of one boot starting at byte `offset`. */
export interface ConsoleBytes {
  bootId: number;
  offset: number;
  bytes: Uint8Array;
}

/** Stores console bytes, every boot's in one statement (COPY where `copy` is given). */
export async function insertConsoleBytes(
  db: Db,
  pieces: ConsoleBytes[],
  copy: CopyIn | null = null,
): Promise<void> {
  const rows: { bootId: number; offset: number; hex: string }[] = [];
  for (const p of pieces)
    for (let at = 0; at < p.bytes.length; at += CHUNK_ROW_BYTES)
      rows.push({
        bootId: p.bootId,
        offset: p.offset + at,
        hex: hexOf(p.bytes.subarray(at, at + CHUNK_ROW_BYTES)),
      });
  if (!rows.length) return;
  if (copy) {
    const text = rows.map((r) => copyRow([r.bootId, r.offset, `\\x${r.hex}`]));
    await copy('copy console_chunks (boot_id, "offset", data) from stdin', copyParts(text));
    return;
  }
  await db.execute(sql`
    insert into ${consoleChunks} (boot_id, "offset", data)
    select b, o, decode(h, 'hex') from unnest(
      ${sql.param(rows.map((r) => r.bootId))}::int[],
      ${sql.param(rows.map((r) => r.offset))}::int8[],
      ${sql.param(rows.map((r) => r.hex))}::text[]) as x(b, o, h)`);
}

/** A boot's stored-byte mark moving from `from` to `to`, with its line count. */
export interface ConsoleAdvance {
  bootId: number;
  from: number;
  to: number;
  lines: number;
}

/**
 * Moves each running boot's stored-byte mark from `from` to `to`; returns the boots whose
 * mark moved (another writer moved or finished the others first: the caller's transaction
 * must roll back). The update takes the boot rows, so a concurrent writer of the same boot
 * waits, then finds its `from` stale.
 */
export async function advanceConsoles(db: Db, moves: ConsoleAdvance[]): Promise<Set<number>> {
  const sorted = [...moves].sort((a, b) => a.bootId - b.bootId);
  const rows = await rowsOf<{ id: number }>(
    db,
    sql`
    update ${boots} b set console_bytes = x.t, console_lines = x.l
    from unnest(
      ${sql.param(sorted.map((m) => m.bootId))}::int[],
      ${sql.param(sorted.map((m) => m.from))}::int8[],
      ${sql.param(sorted.map((m) => m.to))}::int8[],
      ${sql.param(sorted.map((m) => m.lines))}::int[]) as x(id, f, t, l)
    where b.id = x.id and b.console_bytes = x.f and b.state = 'running'
    returning b.id`,
  );
  return new Set(rows.map((r) => Number(r.id)));
}

/** Parsed lines of one boot. */
export interface LineRun {
  bootId: number;
  lines: LineUpdate[];
}

/**
 * Stores parsed lines. Without `copy` a line already stored (a replay) is left as it is; with
 * it (COPY, PostgreSQL) the caller holds the boot's stored-byte mark, so none is a replay.
 */
export async function insertConsoleLines(db: Db, runs: LineRun[], copy: CopyIn | null = null): Promise<void> {
  const all = runs.flatMap((r) => r.lines.map((l) => ({ bootId: r.bootId, l })));
  if (copy) {
    const text = all.map(({ bootId, l }) =>
      copyRow([bootId, l.line, l.time, l.cls, l.level, cleanText(l.text)]),
    );
    if (text.length)
      await copy('copy console_lines (boot_id, line, time, cls, level, text) from stdin', copyParts(text));
    return;
  }
  for (let i = 0; i < all.length; i += LINE_BATCH) {
    const batch = all.slice(i, i + LINE_BATCH);
    await db.execute(sql`
      insert into ${consoleLines} (boot_id, line, time, cls, level, text)
      select * from unnest(
        ${sql.param(batch.map((x) => x.bootId))}::int[],
        ${sql.param(batch.map(({ l }) => l.line))}::int[],
        ${sql.param(batch.map(({ l }) => l.time))}::float8[],
        ${sql.param(batch.map(({ l }) => l.cls))}::text[],
        ${sql.param(batch.map(({ l }) => l.level))}::int2[],
        ${sql.param(batch.map(({ l }) => cleanText(l.text)))}::text[])
      on conflict do nothing`);
  }
}

/**
 * The stored console in byte order, `batch` rows per query. Each query starts at the row
 * holding the next byte, so a compaction committing between two queries (raw rows replaced
 * by a segment that starts earlier) neither cuts nor repeats anything.
 */
export async function* readConsoleChunks(db: Db, bootId: number, batch = 16): AsyncGenerator<Buffer> {
  let next = 0;
  for (;;) {
    const rows = await rowsOf<{ offset: string | number; hex: string; encoding: ChunkEncoding }>(
      db,
      sql`
      select "offset", encode(data, 'hex') as hex, encoding from ${consoleChunks}
      where boot_id = ${bootId} and "offset" >= coalesce(
        (select max("offset") from ${consoleChunks} where boot_id = ${bootId} and "offset" <= ${next}), 0)
      order by "offset" limit ${batch}`,
    );
    for (const r of rows) {
      const offset = Number(r.offset);
      const stored = fromHex(r.hex);
      const bytes = r.encoding === 'br' ? await decompressConsole(stored) : stored;
      if (offset + bytes.length <= next) continue;
      yield offset < next ? bytes.subarray(next - offset) : bytes;
      next = offset + bytes.length;
    }
    if (rows.length < batch) return;
  }
}

/** Raw chunks of a boot in byte order, at most `limit`: what compaction takes next. */
export async function rawChunks(
  db: Db,
  bootId: number,
  limit: number,
): Promise<{ offset: number; bytes: Buffer }[]> {
  const rows = await db
    .select({ offset: consoleChunks.offset, hex: byteaHex(consoleChunks.data) })
    .from(consoleChunks)
    .where(and(eq(consoleChunks.bootId, bootId), eq(consoleChunks.encoding, 'raw')))
    .orderBy(asc(consoleChunks.offset))
    .limit(limit);
  return rows.map((r) => ({ offset: Number(r.offset), bytes: fromHex(r.hex) }));
}

/**
 * Replaces the boot's raw chunks at `offsets` (contiguous, the first at `offsets[0]`) by one
 * compressed chunk; false, changing nothing, when they are no longer all there (another
 * compaction or a prune got there first).
 */
export async function replaceRawChunks(
  db: Db,
  bootId: number,
  offsets: number[],
  data: Uint8Array,
): Promise<boolean> {
  try {
    return await db.transaction(async (tx) => {
      const gone = await tx
        .delete(consoleChunks)
        .where(
          and(
            eq(consoleChunks.bootId, bootId),
            eq(consoleChunks.encoding, 'raw'),
            inArray(consoleChunks.offset, offsets),
          ),
        )
        .returning({ offset: consoleChunks.offset });
      if (gone.length !== offsets.length) throw NOT_ALL_THERE;
      await tx
        .insert(consoleChunks)
        .values({ bootId, offset: offsets[0], data: byteaValue(data), encoding: 'br' });
      return true;
    });
  } catch (err) {
    if (err === NOT_ALL_THERE) return false;
    throw err;
  }
}

const NOT_ALL_THERE = new Error('raw chunks changed under the compaction');

/** Finished boots that still have raw chunks, oldest first, at most `limit`. */
export async function bootsToCompact(db: Db, limit: number): Promise<number[]> {
  // Through the partial index on raw chunks: small, whatever the history's size.
  const rows = await rowsOf<{ id: number }>(
    db,
    sql`select distinct c.boot_id as id from ${consoleChunks} c join ${boots} b on b.id = c.boot_id
      where c.encoding = 'raw' and b.state = 'finished' order by 1 limit ${limit}`,
  );
  return rows.map((r) => Number(r.id));
}

/** The whole stored console as one buffer. */
export async function readConsole(db: Db, bootId: number): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of readConsoleChunks(db, bootId)) parts.push(c);
  return Buffer.concat(parts);
}

/** Display lines from line `from` (1-based), at most `limit`. */
export async function listConsoleLines(
  db: Db,
  bootId: number,
  from: number,
  limit: number,
): Promise<ConsoleLine[]> {
  const rows = await db
    .select({
      line: consoleLines.line,
      time: consoleLines.time,
      cls: consoleLines.cls,
      level: consoleLines.level,
      text: consoleLines.text,
    })
    .from(consoleLines)
    .where(and(eq(consoleLines.bootId, bootId), gte(consoleLines.line, from)))
    .orderBy(asc(consoleLines.line))
    .limit(limit);
  return rows as ConsoleLine[];
}
