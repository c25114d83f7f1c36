/** Which collector ran a finished boot's analysis: several collectors on one database run it once. */
import { integer, pgTable, primaryKey, text } from 'drizzle-orm/pg-core';
import { boots } from './boots.ts';
import { at, createdAt } from './columns.ts';

export const analysisClaims = pgTable(
  'analysis_claims',
  {
    bootId: integer('boot_id')
      .notNull()
      .references(() => boots.id, { onDelete: 'cascade' }),
    /** `regressions` or `issues`. */
    task: text('task').notNull(),
    /** The finish it analysed: a reopened and finished-again import is analysed again. */
    finishedAt: at('finished_at').notNull(),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.bootId, t.task, t.finishedAt] })],
);
