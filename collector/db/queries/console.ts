/** A boot's console: raw byte chunks (lossless) and parsed display lines. */
import { and, asc, eq, gte, sql } from 'drizzle-orm';
import type { ConsoleLine } from '../../../common/types/api.ts';
import type { LineUpdate } from '../../../common/types/parse.ts';
import { byteaHex, fromHex, hexOf } from '../blobs.ts';
import type { Db } from '../client.ts';
import { rowsOf } from '../rows.ts';
import { cleanText } from '../sanitize.ts';
import { boots, consoleChunks, consoleLines } from '../schema/index.ts';

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

/** Stores console bytes, every boot's in one statement. */
export async function insertConsoleBytes(db: Db, pieces: ConsoleBytes[]): Promise<void> {
  const rows: { bootId: number; offset: number; hex: string }[] = [];
  for (const p of pieces)
    for (let at = 0; at < p.bytes.length; at += CHUNK_ROW_BYTES)
      rows.push({
        bootId: p.bootId,
        offset: p.offset + at,
        hex: hexOf(p.bytes.subarray(at, at + CHUNK_ROW_BYTES)),
      });
  if (!rows.length) return;
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

/** Stores parsed lines; a line already stored (a replay) is left as it is. */
export async function insertConsoleLines(db: Db, runs: LineRun[]): Promise<void> {
  const all = runs.flatMap((r) => r.lines.map((l) => ({ bootId: r.bootId, l })));
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
