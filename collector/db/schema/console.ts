/** A boot's console: the raw bytes, lossless, and the lines as the parser read them. */

import { bigint, doublePrecision, integer, pgTable, primaryKey, smallint, text } from 'drizzle-orm/pg-core';
import type { LineClass } from '../../../common/types/parse.ts';
import { boots } from './boots.ts';
import { bytea } from './columns.ts';

/** Raw console bytes, in chunks keyed by their byte offset: any bytes round-trip exactly. */
export const consoleChunks = pgTable(
  'console_chunks',
  {
    bootId: integer('boot_id')
      .notNull()
      .references(() => boots.id, { onDelete: 'cascade' }),
    offset: bigint('offset', { mode: 'number' }).notNull(),
    data: bytea('data').notNull(),
  },
  (t) => [primaryKey({ columns: [t.bootId, t.offset] })],
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
