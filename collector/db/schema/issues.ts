/** Failures grouped across boots: one row per signature, and the boots each appeared in. */

import { index, integer, pgTable, primaryKey, text } from 'drizzle-orm/pg-core';
import type { IssueStatus } from '../../../common/schemas/issues.ts';
import { boots } from './boots.ts';
import { variants } from './catalog.ts';
import { at } from './columns.ts';

export const issues = pgTable(
  'issues',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    /** What groups reports of one bug: the crash signature, or a failure's stable key. */
    signature: text('signature').notNull().unique(),
    /** A crash kind (`panic`, `warning`, ...) or a failure class (`init_exec`, `probe_failed`, ...). */
    kind: text('kind').notNull(),
    title: text('title').notNull(),
    /** The guilty source file, when the report names one (routing to maintainers). */
    file: text('file'),
    firstSeenAt: at('first_seen_at').notNull(),
    lastSeenAt: at('last_seen_at').notNull(),
    firstBootId: integer('first_boot_id').notNull(),
    lastBootId: integer('last_boot_id').notNull(),
    /** Boots it appeared in. */
    count: integer('count').notNull().default(0),
    /** The status last announced on the live feed (status is judged per variant at read time). */
    status: text('status').$type<IssueStatus>(),
  },
  (t) => [index('issues_last_seen_idx').on(t.lastSeenAt.desc().nullsFirst())],
);

export const issueBoots = pgTable(
  'issue_boots',
  {
    issueId: integer('issue_id')
      .notNull()
      .references(() => issues.id, { onDelete: 'cascade' }),
    bootId: integer('boot_id')
      .notNull()
      .references(() => boots.id, { onDelete: 'cascade' }),
    variantId: integer('variant_id').references(() => variants.id, { onDelete: 'set null' }),
    /** The console line where it shows in that boot. */
    line: integer('line').notNull(),
    /** The boot's start, copied so per-variant history needs no join. */
    at: at('at').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.issueId, t.bootId] }),
    index('issue_boots_boot_idx').on(t.bootId),
    index('issue_boots_variant_idx').on(t.issueId, t.variantId, t.at.desc().nullsFirst()),
    // An issue's newest boots (its page) without sorting every boot it ever appeared in.
    index('issue_boots_time_idx').on(t.issueId, t.at.desc().nullsFirst(), t.bootId.desc().nullsFirst()),
  ],
);
