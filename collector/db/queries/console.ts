/** A boot's console: raw byte chunks (lossless) and parsed display lines. */
import { and, asc, eq, gte, sql } from 'drizzle-orm';
import type { ConsoleLine } from '../../../common/types/api.ts';
import type { LineUpdate } from '../../../common/types/parse.ts';
import { byteaHex, byteaValue, fromHex } from '../blobs.ts';
import type { Db } from '../client.ts';
import { cleanText } from '../sanitize.ts';
import { boots, consoleChunks, consoleLines } from '../schema/index.ts';

/** Largest chunk row: big uploads are split so no single value gets unwieldy. */
const CHUNK_ROW_BYTES = 1 << 20;
/** Lines per insert: one array parameter per column keeps any batch one statement. */
const LINE_BATCH = 5000;

/** Stores console bytes starting at `offset`. */
export async function insertConsoleBytes(
  db: Db,
  bootId: number,
  offset: number,
  bytes: Uint8Array,
): Promise<void> {
  for (let at = 0; at < bytes.length; at += CHUNK_ROW_BYTES) {
    const piece = bytes.subarray(at, at + CHUNK_ROW_BYTES);
    await db.insert(consoleChunks).values({ bootId, offset: offset + at, data: byteaValue(piece) });
  }
}

/**
 * Moves the boot's stored-byte mark from `from` to `to`; false when another writer moved
 * it first (the caller's transaction must then roll back).
 */
export async function advanceConsole(
  db: Db,
  bootId: number,
  from: number,
  to: number,
  lines: number,
): Promise<boolean> {
  const rows = await db
    .update(boots)
    .set({ consoleBytes: to, consoleLines: lines })
    .where(and(eq(boots.id, bootId), eq(boots.consoleBytes, from)))
    .returning({ id: boots.id });
  return rows.length === 1;
}

/** Stores parsed lines; a line already stored (a replay) is left as it is. */
export async function insertConsoleLines(db: Db, bootId: number, lines: LineUpdate[]): Promise<void> {
  for (let i = 0; i < lines.length; i += LINE_BATCH) {
    const batch = lines.slice(i, i + LINE_BATCH);
    await db.execute(sql`
      insert into ${consoleLines} (boot_id, line, time, cls, level, text)
      select ${bootId}, * from unnest(
        ${sql.param(batch.map((l) => l.line))}::int[],
        ${sql.param(batch.map((l) => l.time))}::float8[],
        ${sql.param(batch.map((l) => l.cls))}::text[],
        ${sql.param(batch.map((l) => l.level))}::int2[],
        ${sql.param(batch.map((l) => cleanText(l.text)))}::text[])
      on conflict do nothing`);
  }
}

/** Chunks of the stored console in byte order, `batch` rows per query. */
export async function* readConsoleChunks(db: Db, bootId: number, batch = 16): AsyncGenerator<Buffer> {
  let next = 0;
  for (;;) {
    const rows = await db
      .select({ offset: consoleChunks.offset, hex: byteaHex(consoleChunks.data) })
      .from(consoleChunks)
      .where(and(eq(consoleChunks.bootId, bootId), gte(consoleChunks.offset, next)))
      .orderBy(asc(consoleChunks.offset))
      .limit(batch);
    for (const r of rows) {
      const bytes = fromHex(r.hex);
      next = Number(r.offset) + bytes.length;
      yield bytes;
    }
    if (rows.length < batch) return;
  }
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
