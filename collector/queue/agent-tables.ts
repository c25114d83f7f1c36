/**
 * The tables beside pg-boss's own schema: agents, their leases with heartbeats, and a log
 * of every run. Like pg-boss's, they exist only where the queue does (PostgreSQL), so they
 * are made here, idempotently, rather than by the migrations the embedded database runs too.
 */
export const AGENT_TABLES = `
CREATE TABLE IF NOT EXISTS bootwatch_agent_lease (
  job_id text PRIMARY KEY,
  agent text NOT NULL,
  taken_at timestamptz NOT NULL DEFAULT now(),
  beat_at timestamptz NOT NULL DEFAULT now()
);
ALTER TABLE bootwatch_agent_lease ADD COLUMN IF NOT EXISTS queue text NOT NULL DEFAULT 'bootwatch-variant';
ALTER TABLE bootwatch_agent_lease ADD COLUMN IF NOT EXISTS label text NOT NULL DEFAULT '';
ALTER TABLE bootwatch_agent_lease ADD COLUMN IF NOT EXISTS stale_ms integer NOT NULL DEFAULT 30000;
CREATE INDEX IF NOT EXISTS bootwatch_agent_lease_agent ON bootwatch_agent_lease (agent);
CREATE TABLE IF NOT EXISTS bootwatch_agent_run (
  id bigserial PRIMARY KEY,
  job_id text NOT NULL,
  agent text NOT NULL,
  started_at timestamptz NOT NULL DEFAULT now(),
  ended_at timestamptz,
  result text
);
CREATE INDEX IF NOT EXISTS bootwatch_agent_run_job ON bootwatch_agent_run (job_id);
CREATE TABLE IF NOT EXISTS bootwatch_agent (
  name text PRIMARY KEY,
  token_id integer,
  token_name text,
  capabilities jsonb NOT NULL,
  stale_ms integer NOT NULL,
  last_seen timestamptz NOT NULL DEFAULT now()
);
`;
