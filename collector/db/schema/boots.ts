/** Boots: where a kernel ran, how it ended, and the parser's verdict. */

import { sql } from 'drizzle-orm';
import { bigint, boolean, index, integer, jsonb, pgTable, text } from 'drizzle-orm/pg-core';
import type { BootCheck, BootOutcome, BootTarget, Status } from '../../../common/types/ingest.ts';
import type {
  Arch,
  BootStage,
  Diagnosis,
  KernelInfo,
  Milestones,
  Outcome,
  PanicInfo,
  ParseResult,
} from '../../../common/types/parse.ts';
import { builds } from './builds.ts';
import { variants } from './catalog.ts';
import { at, createdAt } from './columns.ts';
import { submitter } from './tokens.ts';

export const boots = pgTable(
  'boots',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    buildId: integer('build_id').references(() => builds.id, { onDelete: 'set null' }),
    variantId: integer('variant_id').references(() => variants.id, { onDelete: 'set null' }),
    target: text('target').$type<BootTarget>().notNull(),
    machine: text('machine'),
    accel: text('accel'),
    cmdline: text('cmdline'),
    memoryMb: integer('memory_mb'),
    cpus: integer('cpus'),
    host: text('host'),
    initIsScript: boolean('init_is_script').notNull().default(false),
    /** Client-chosen: re-sending a boot with the same key returns the same row. */
    idempotencyKey: text('idempotency_key').unique(),
    meta: jsonb('meta').$type<Record<string, unknown>>().notNull().default({}),
    state: text('state').$type<'running' | 'finished'>().notNull().default('running'),
    /** The parser's outcome, or `error` for a harness failure; null while running. */
    outcome: text('outcome').$type<BootOutcome>(),
    parseOutcome: text('parse_outcome').$type<Outcome>(),
    status: text('status').$type<Status>(),
    endReason: text('end_reason'),
    harnessError: text('harness_error'),
    startedAt: at('started_at').notNull().defaultNow(),
    finishedAt: at('finished_at'),
    durationMs: integer('duration_ms'),
    /** Console bytes stored: the ingest resumes from here. */
    consoleBytes: bigint('console_bytes', { mode: 'number' }).notNull().default(0),
    consoleLines: integer('console_lines').notNull().default(0),
    kernel: jsonb('kernel').$type<KernelInfo>(),
    kernelVersion: text('kernel_version'),
    panic: jsonb('panic').$type<PanicInfo>(),
    milestones: jsonb('milestones').$type<Milestones>().notNull().default({}),
    lastStage: text('last_stage').$type<BootStage>(),
    checks: jsonb('checks').$type<BootCheck[]>().notNull().default([]),
    crashCount: integer('crash_count').notNull().default(0),
    firstCrash: text('first_crash'),
    topDiagnosis: jsonb('top_diagnosis').$type<Diagnosis>(),
    /** The whole `parse --json` object, written when the boot finishes. */
    result: jsonb('result').$type<ParseResult>(),
    /** The log's architecture as the parser told it (filters issues by architecture). */
    arch: text('arch').$type<Arch>(),
    /** Its failures are grouped into issues (boots stored before issues existed are not). */
    issuesGrouped: boolean('issues_grouped').notNull().default(false),
    ...submitter(),
    createdAt: createdAt(),
  },
  (t) => [
    // DESC NULLS FIRST is what a plain `ORDER BY ... DESC` asks for: the planner can then use these.
    index('boots_time_idx').on(t.startedAt.desc().nullsFirst(), t.id.desc().nullsFirst()),
    // Latest boot per variant and per-variant trends.
    index('boots_variant_time_idx').on(
      t.variantId,
      t.startedAt.desc().nullsFirst(),
      t.id.desc().nullsFirst(),
    ),
    index('boots_build_idx').on(t.buildId),
    index('boots_outcome_idx').on(t.outcome, t.startedAt.desc().nullsFirst()),
    index('boots_target_time_idx').on(t.target, t.startedAt.desc().nullsFirst(), t.id.desc().nullsFirst()),
    // Every page's live strip asks for the running boots: a handful, found without walking history.
    index('boots_running_idx')
      .on(t.startedAt.desc().nullsFirst(), t.id.desc().nullsFirst())
      .where(sql`${t.state} = 'running'`),
    // The issue backfill's queue at start-up: finished boots not grouped yet, without reading all history.
    index('boots_ungrouped_idx')
      .on(t.startedAt, t.id)
      .where(sql`${t.state} = 'finished' and not ${t.issuesGrouped}`),
  ],
);
