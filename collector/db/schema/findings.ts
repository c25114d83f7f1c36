/** What the parser found in a console, as rows to query across boots. */

import { sql } from 'drizzle-orm';
import {
  bigint,
  boolean,
  doublePrecision,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  real,
  text,
} from 'drizzle-orm/pg-core';
import type { BootEvent, StackFrame } from '../../../common/types/parse.ts';
import { boots } from './boots.ts';

const bootRef = () =>
  integer('boot_id')
    .notNull()
    .references(() => boots.id, { onDelete: 'cascade' });

/** Every event the parser emitted, in order (`seq`); the whole event is kept in `data`. */
export const events = pgTable(
  'events',
  {
    // No foreign key here: events are the busiest table, and its per-row check halved the
    // ingest rate. Every writer inserts them in the transaction that stores the boot's
    // console or creates the boot, and `db prune` deletes them with their boot.
    bootId: integer('boot_id').notNull(),
    seq: integer('seq').notNull(),
    line: integer('line').notNull(),
    time: doublePrecision('time'),
    kind: text('kind').$type<BootEvent['kind']>().notNull(),
    errno: integer('errno'),
    errnoName: text('errno_name'),
    driver: text('driver'),
    device: text('device'),
    option: text('option'),
    message: text('message'),
    data: jsonb('data').$type<BootEvent>().notNull(),
  },
  (t) => [
    // Readers go by boot (the primary key, then kind as a filter): a (kind, boot) index cost
    // a fifth of the ingest rate and served no query, and so did (errno_name, boot) and
    // (driver, boot), which no query ever filtered on.
    primaryKey({ columns: [t.bootId, t.seq] }),
    // Failed probes are few and every failures page asks for them across many boots: keyed
    // as it reads them (a boot's first per driver and errno), with the columns it reads, so
    // they come from the index alone, in order, never from the table.
    index('events_failed_probe_idx')
      .on(
        t.bootId,
        t.driver,
        sql`coalesce(${t.errnoName}, ${t.errno}::text, '')`,
        t.seq,
        t.errnoName,
        t.errno,
        t.line,
      )
      .where(sql`${t.kind} = 'probe' and ${t.data}->>'ok' = 'false'`),
    // A failed boot's errors, for failure grouping: a few of its hundreds of events.
    index('events_trouble_idx')
      .on(t.bootId, t.seq)
      .where(sql`${t.kind} in ('error', 'kernel_error', 'mount_failed', 'init_exec', 'missing_config')`),
  ],
);

export const crashes = pgTable(
  'crashes',
  {
    bootId: bootRef(),
    seq: integer('seq').notNull(),
    kind: text('kind').notNull(),
    title: text('title').notNull(),
    line: integer('line').notNull(),
    endLine: integer('end_line').notNull(),
    time: doublePrecision('time'),
    function: text('function'),
    location: text('location'),
    fatal: boolean('fatal').notNull(),
    corrupted: boolean('corrupted').notNull().default(false),
    frames: jsonb('frames').$type<StackFrame[]>().notNull().default([]),
    report: jsonb('report').$type<string[]>().notNull().default([]),
  },
  (t) => [
    primaryKey({ columns: [t.bootId, t.seq] }),
    // "Which boots hit this crash?" groups by title across runs.
    index('crashes_title_idx').on(t.title, t.bootId),
  ],
);

export const initcalls = pgTable(
  'initcalls',
  {
    bootId: bootRef(),
    line: integer('line').notNull(),
    fn: text('fn').notNull(),
    usecs: bigint('usecs', { mode: 'number' }).notNull(),
    ret: integer('ret').notNull(),
    time: doublePrecision('time'),
    module: text('module'),
  },
  (t) => [primaryKey({ columns: [t.bootId, t.line] }), index('initcalls_fn_idx').on(t.fn, t.bootId)],
);

/** The parser's fix suggestions, best first (`rank` 0). */
export const diagnoses = pgTable(
  'diagnoses',
  {
    bootId: bootRef(),
    rank: integer('rank').notNull(),
    option: text('option').notNull(),
    reason: text('reason').notNull(),
    line: integer('line').notNull(),
    rule: text('rule').notNull(),
    confidence: real('confidence').notNull(),
    evidence: text('evidence').notNull(),
  },
  (t) => [primaryKey({ columns: [t.bootId, t.rank] }), index('diagnoses_option_idx').on(t.option, t.bootId)],
);
