/** Config bisections runners report after every step: their resumable state and their report. */

import { index, integer, jsonb, pgTable, text } from 'drizzle-orm/pg-core';
import type { BisectionInput, BisectionStatus, BisectReport } from '../../../common/types/api.ts';
import { at } from './columns.ts';
import { submitter } from './tokens.ts';

export const bisections = pgTable(
  'bisections',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    /** The runner's state key: a hash of both sides' configs and the verdict rule. */
    key: text('key').notNull().unique(),
    variant: text('variant').notNull(),
    good: text('good').notNull(),
    bad: text('bad').notNull(),
    status: text('status').$type<BisectionStatus>().notNull().default('running'),
    builds: integer('builds').notNull().default(0),
    maxBuilds: integer('max_builds').notNull(),
    /** The search state a runner on any host resumes from (collector/analysis/bisect.ts BisectState). */
    state: jsonb('state').$type<BisectionInput['state']>().notNull(),
    report: jsonb('report').$type<BisectReport | null>(),
    error: text('error'),
    agent: text('agent'),
    ...submitter(),
    startedAt: at('started_at').notNull().defaultNow(),
    updatedAt: at('updated_at').notNull().defaultNow(),
  },
  (t) => [index('bisections_updated_idx').on(t.updatedAt.desc().nullsFirst())],
);
