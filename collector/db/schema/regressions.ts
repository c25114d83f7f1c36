/** Regressions found between a variant's runs, the baselines users pin, and recorded runs of a matrix. */

import { sql } from 'drizzle-orm';
import { doublePrecision, index, integer, jsonb, pgTable, text, uniqueIndex } from 'drizzle-orm/pg-core';
import type { NoiseStats } from '../../analysis/noise.ts';
import type { Evidence, RegressionKind, RegressionOptions } from '../../analysis/regressions.ts';
import { boots } from './boots.ts';
import { builds } from './builds.ts';
import { variants } from './catalog.ts';
import { at, createdAt } from './columns.ts';
import { submitter } from './tokens.ts';

const bootRef = (name: string) => integer(name).references(() => boots.id, { onDelete: 'set null' });
const buildRef = (name: string) => integer(name).references(() => builds.id, { onDelete: 'set null' });

export const regressions = pgTable(
  'regressions',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    variantId: integer('variant_id')
      .notNull()
      .references(() => variants.id, { onDelete: 'cascade' }),
    /** Identity within the variant: `outcome`, `crash:<title>`, `size:image`, ... */
    key: text('key').notNull(),
    kind: text('kind').$type<RegressionKind>().notNull(),
    severity: text('severity').$type<'high' | 'medium' | 'low'>().notNull(),
    title: text('title').notNull(),
    status: text('status').$type<'open' | 'fixed'>().notNull().default('open'),
    /** The run it appeared in and the baseline it was judged against. */
    bootId: bootRef('boot_id'),
    buildId: buildRef('build_id'),
    baselineBootId: bootRef('baseline_boot_id'),
    baselineBuildId: buildRef('baseline_build_id'),
    was: jsonb('was').$type<string | number | null>(),
    now: jsonb('now').$type<string | number | null>(),
    threshold: doublePrecision('threshold'),
    stats: jsonb('stats').$type<NoiseStats | null>(),
    /** Kernel time the evidence appeared at. */
    time: doublePrecision('time'),
    evidence: jsonb('evidence').$type<Evidence[]>().notNull().default([]),
    detectedAt: at('detected_at').notNull().defaultNow(),
    /** The run that showed it gone. */
    fixedBootId: bootRef('fixed_boot_id'),
    fixedBuildId: buildRef('fixed_build_id'),
    fixedAt: at('fixed_at'),
  },
  (t) => [
    // One open regression per variant and key: detection runs again on every boot.
    uniqueIndex('regressions_open_key_idx').on(t.variantId, t.key).where(sql`status = 'open'`),
    index('regressions_time_idx').on(t.detectedAt.desc().nullsFirst(), t.id.desc().nullsFirst()),
    index('regressions_variant_idx').on(t.variantId, t.status),
  ],
);

/** A baseline a user pinned for a variant: regressions are judged against it instead of the last good run. */
export const variantBaselines = pgTable('variant_baselines', {
  variantId: integer('variant_id')
    .primaryKey()
    .references(() => variants.id, { onDelete: 'cascade' }),
  bootId: integer('boot_id')
    .notNull()
    .references(() => boots.id, { onDelete: 'cascade' }),
  note: text('note'),
  pinnedAt: createdAt(),
});

/** Per-variant regression thresholds (size limits, noise rules) overriding the defaults. */
export const variantThresholds = pgTable('variant_thresholds', {
  variantId: integer('variant_id')
    .primaryKey()
    .references(() => variants.id, { onDelete: 'cascade' }),
  options: jsonb('options').$type<Partial<RegressionOptions>>().notNull(),
  updatedAt: at('updated_at').notNull().defaultNow(),
});

/** One `bootwatch run` of a matrix: the builds and boots it made, for its JUnit report. */
export const matrixRuns = pgTable(
  'matrix_runs',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    matrix: text('matrix').notNull(),
    bootIds: jsonb('boot_ids').$type<number[]>().notNull().default([]),
    buildIds: jsonb('build_ids').$type<number[]>().notNull().default([]),
    /** Variant results the runner saw, including builds that failed and boots never made. */
    results: jsonb('results')
      .$type<{ variant: string; outcome: string; bootId: number | null }[]>()
      .notNull()
      .default([]),
    ...submitter(),
    createdAt: createdAt(),
  },
  (t) => [index('matrix_runs_time_idx').on(t.createdAt.desc().nullsFirst())],
);
