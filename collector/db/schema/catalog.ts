/** What gets built: kernel sources and variants (a base config plus fragments). */

import { integer, jsonb, pgTable, text } from 'drizzle-orm/pg-core';
import type { ConfigFragment } from '../../../common/types/ingest.ts';
import { at, createdAt } from './columns.ts';

export const kernelSources = pgTable('kernel_sources', {
  id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
  /** `kind:name:commit`: one row per distinct tree. */
  key: text('key').notNull().unique(),
  name: text('name').notNull(),
  version: text('version'),
  kind: text('kind').notNull(),
  path: text('path'),
  commit: text('commit'),
  createdAt: createdAt(),
});

export const variants = pgTable('variants', {
  id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
  name: text('name').notNull().unique(),
  matrix: text('matrix'),
  baseConfig: text('base_config'),
  fragments: jsonb('fragments').$type<ConfigFragment[]>().notNull().default([]),
  createdAt: createdAt(),
  updatedAt: at('updated_at').notNull().defaultNow(),
});
