/** Kernel builds, their .config (deduplicated by hash) and their size data. */

import { bigint, index, integer, jsonb, pgTable, text } from 'drizzle-orm/pg-core';
import type { ConfigFragment, DroppedOption, Status } from '../../../common/types/ingest.ts';
import { kernelSources, variants } from './catalog.ts';
import { at, bytea, createdAt } from './columns.ts';
import { submitter } from './tokens.ts';

/** A full .config, stored once however many builds used it. */
export const configs = pgTable('configs', {
  id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
  sha256: text('sha256').notNull().unique(),
  content: text('content').notNull(),
  bytes: integer('bytes').notNull(),
  createdAt: createdAt(),
});

const size = (name: string) => bigint(name, { mode: 'number' });

export const builds = pgTable(
  'builds',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    variantId: integer('variant_id')
      .notNull()
      .references(() => variants.id, { onDelete: 'cascade' }),
    sourceId: integer('source_id').references(() => kernelSources.id, { onDelete: 'set null' }),
    configId: integer('config_id').references(() => configs.id, { onDelete: 'set null' }),
    /** Client-chosen key: a runner re-sending a build after a lost answer gets the same row. */
    idempotencyKey: text('idempotency_key').unique(),
    matrix: text('matrix'),
    arch: text('arch'),
    baseConfig: text('base_config'),
    fragments: jsonb('fragments').$type<ConfigFragment[]>().notNull().default([]),
    status: text('status').$type<Status>().notNull(),
    exitCode: integer('exit_code'),
    startedAt: at('started_at').notNull(),
    wallMs: integer('wall_ms'),
    userMs: integer('user_ms'),
    sysMs: integer('sys_ms'),
    imageSize: size('image_size'),
    vmlinuxSize: size('vmlinux_size'),
    textSize: size('text_size'),
    dataSize: size('data_size'),
    bssSize: size('bss_size'),
    compiler: text('compiler'),
    command: text('command'),
    host: text('host'),
    logTail: text('log_tail'),
    warnings: jsonb('warnings').$type<string[]>().notNull().default([]),
    errors: jsonb('errors').$type<string[]>().notNull().default([]),
    dropped: jsonb('dropped').$type<DroppedOption[]>().notNull().default([]),
    symbolCount: integer('symbol_count').notNull().default(0),
    ...submitter(),
    createdAt: createdAt(),
  },
  (t) => [
    // Trends and "latest build per variant" walk a variant's builds in time order.
    index('builds_variant_time_idx').on(
      t.variantId,
      t.startedAt.desc().nullsFirst(),
      t.id.desc().nullsFirst(),
    ),
    index('builds_time_idx').on(t.startedAt.desc().nullsFirst(), t.id.desc().nullsFirst()),
    index('builds_config_idx').on(t.configId),
  ],
);

/**
 * Per-symbol sizes of a build, one gzip'd blob (`type size name` lines sorted by name):
 * tens of thousands of symbols per build stay one small row, and a diff reads two rows.
 */
export const buildSymbols = pgTable('build_symbols', {
  buildId: integer('build_id')
    .primaryKey()
    .references(() => builds.id, { onDelete: 'cascade' }),
  count: integer('count').notNull(),
  data: bytea('data').notNull(),
});

/** System.map of a build, gzip'd: kept for symbolizing traces later. */
export const buildSystemMaps = pgTable('build_system_maps', {
  buildId: integer('build_id')
    .primaryKey()
    .references(() => builds.id, { onDelete: 'cascade' }),
  bytes: integer('bytes').notNull(),
  data: bytea('data').notNull(),
});
