/** A boot's console: the raw bytes, lossless, and the lines as the parser read them. */

import { sql } from 'drizzle-orm';
import {
  bigint,
  doublePrecision,
  index,
  integer,
  pgTable,
  primaryKey,
  smallint,
  text,
} from 'drizzle-orm/pg-core';
import type { LineClass } from '../../../common/types/parse.ts';
import { boots } from './boots.ts';
import { bytea } from './columns.ts';

/** How a chunk's bytes are stored: as they came, or brotli-compressed (a finished console). */
export type ChunkEncoding = 'raw' | 'br';

/**
 * Raw console bytes, in chunks keyed by the byte offset they start at: any bytes round-trip
 * exactly. A running boot's chunks are stored as they come; a finished boot's are compacted
 * into a few compressed ones.
 */
export const consoleChunks = pgTable(
  'console_chunks',
  {
    bootId: integer('boot_id')
      .notNull()
      .references(() => boots.id, { onDelete: 'cascade' }),
    offset: bigint('offset', { mode: 'number' }).notNull(),
    data: bytea('data').notNull(),
    encoding: text('encoding').$type<ChunkEncoding>().notNull().default('raw'),
  },
  (t) => [
    primaryKey({ columns: [t.bootId, t.offset] }),
    // Finds the boots still to compact (old rows, a collector stopped before it got to them).
    index('console_chunks_raw_idx').on(t.bootId).where(sql`${t.encoding} = 'raw'`),
  ],
);

/** Display lines: cleaned text, bounded in length; the raw bytes stay in console_chunks. */
export const consoleLines = pgTable(
  'console_lines',
  {
    bootId: integer('boot_id')
      .notNull()
      .references(() => boots.id, { onDelete: 'cascade' }),
    line: integer('line').notNull(),
    time: doublePrecision('time'),
    cls: text('cls').$type<LineClass>().notNull(),
    level: smallint('level'),
    text: text('text').notNull(),
  },
  (t) => [primaryKey({ columns: [t.bootId, t.line] })],
);
