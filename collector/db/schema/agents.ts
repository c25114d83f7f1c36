/**
 * The tables beside pg-boss's own schema (collector/queue): agents, their leases with
 * heartbeats, and a log of every run. Only PostgreSQL has a queue, but the embedded database
 * migrates them too, so one migration history serves both.
 */
import { bigserial, index, integer, jsonb, pgTable, text } from 'drizzle-orm/pg-core';
import type { AgentCapabilities } from '../../../common/schemas/jobs.ts';
import { at } from './columns.ts';

/** A job an agent holds now; a lease whose beats stop for `staleMs` is reaped. */
export const agentLeases = pgTable(
  'bootwatch_agent_lease',
  {
    jobId: text('job_id').primaryKey(),
    agent: text('agent').notNull(),
    takenAt: at('taken_at').notNull().defaultNow(),
    beatAt: at('beat_at').notNull().defaultNow(),
    queue: text('queue').notNull().default('bootwatch-variant'),
    label: text('label').notNull().default(''),
    staleMs: integer('stale_ms').notNull().default(30000),
  },
  (t) => [index('bootwatch_agent_lease_agent').on(t.agent)],
);

/** Every run of a job, with how it ended (a reaped one says it was lost). */
export const agentRuns = pgTable(
  'bootwatch_agent_run',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    jobId: text('job_id').notNull(),
    agent: text('agent').notNull(),
    startedAt: at('started_at').notNull().defaultNow(),
    endedAt: at('ended_at'),
    result: text('result'),
  },
  (t) => [index('bootwatch_agent_run_job').on(t.jobId)],
);

/** Every agent that asked for work: what it runs, whose token it belongs to, when it was last heard or left. */
export const agents = pgTable('bootwatch_agent', {
  name: text('name').primaryKey(),
  tokenId: integer('token_id'),
  tokenName: text('token_name'),
  capabilities: jsonb('capabilities').$type<AgentCapabilities>().notNull(),
  staleMs: integer('stale_ms').notNull(),
  /** How often it says it beats (null: an older agent; its stale time stands in). */
  heartbeatMs: integer('heartbeat_ms'),
  lastSeen: at('last_seen').notNull().defaultNow(),
  /** When it said it was stopping (null: running, or it never said so). */
  leftAt: at('left_at'),
});
