/**
 * Summaries the dashboard reads instead of scanning history: per variant its counts and
 * latest build and boot, per issue and variant its count and first/last appearance. Triggers
 * in the database keep them (migrations/0013_history_summaries.sql), so every writer —
 * ingest, re-imports, `db prune`, a cascade — leaves them right without calling anything.
 */

import { index, integer, pgTable, primaryKey } from 'drizzle-orm/pg-core';
import { variants } from './catalog.ts';
import { at } from './columns.ts';
import { issues } from './issues.ts';

export const variantSummaries = pgTable('variant_summaries', {
  variantId: integer('variant_id')
    .primaryKey()
    .references(() => variants.id, { onDelete: 'cascade' }),
  buildCount: integer('build_count').notNull().default(0),
  bootCount: integer('boot_count').notNull().default(0),
  /** Newest by (started_at, id), as the lists order them; the time kept so concurrent writers compare rows, not snapshots. */
  latestBuildId: integer('latest_build_id'),
  latestBuildAt: at('latest_build_at'),
  latestBootId: integer('latest_boot_id'),
  latestBootAt: at('latest_boot_at'),
});

export const issueVariants = pgTable(
  'issue_variants',
  {
    issueId: integer('issue_id')
      .notNull()
      .references(() => issues.id, { onDelete: 'cascade' }),
    /** 0 for boots without a variant (a primary key column cannot be null). */
    variantKey: integer('variant_key').notNull(),
    count: integer('count').notNull(),
    firstSeenAt: at('first_seen_at').notNull(),
    firstBootId: integer('first_boot_id').notNull(),
    lastSeenAt: at('last_seen_at').notNull(),
    lastBootId: integer('last_boot_id').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.issueId, t.variantKey] }),
    index('issue_variants_variant_idx').on(t.variantKey),
  ],
);
