/** Climbs runners report after every attempt: their resumable state (with every attempt) and their standing. */

import { sql } from 'drizzle-orm';
import { index, integer, jsonb, pgTable, text } from 'drizzle-orm/pg-core';
import type { BootStage } from '../../../common/schemas/parse.ts';
import type { ClimbPhase, ClimbState, ClimbStatus } from '../../../common/types/api.ts';
import { at } from './columns.ts';
import { submitter } from './tokens.ts';

export const climbs = pgTable(
  'climbs',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    /** The runner's state key: a hash of the variant's base, fragments and the goals. */
    key: text('key').notNull().unique(),
    matrix: text('matrix').notNull(),
    variant: text('variant').notNull(),
    goals: jsonb('goals').$type<string[]>().notNull(),
    status: text('status').$type<ClimbStatus>().notNull().default('running'),
    phase: text('phase').$type<ClimbPhase>().notNull(),
    builds: integer('builds').notNull().default(0),
    maxBuilds: integer('max_builds').notNull(),
    /** The current kernel's last stage (null before the first boot). */
    stage: text('stage').$type<BootStage>(),
    stopped: text('stopped'),
    /** The search state a runner on any host resumes from, every attempt in it (collector/analysis/climb.ts). */
    state: jsonb('state').$type<ClimbState>().notNull(),
    error: text('error'),
    agent: text('agent'),
    ...submitter(),
    startedAt: at('started_at').notNull().defaultNow(),
    updatedAt: at('updated_at').notNull().defaultNow(),
  },
  (t) => [
    index('climbs_updated_idx').on(t.updatedAt.desc().nullsFirst()),
    // A boot or build page finds the climb attempt it was made for (`attempts @> [{bootId}]`).
    index('climbs_attempts_idx').using('gin', sql`(${t.state} -> 'attempts') jsonb_path_ops`),
  ],
);
