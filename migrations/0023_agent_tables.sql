-- The agent tables were made at the queue's start-up (CREATE TABLE IF NOT EXISTS, then ALTER
-- TABLE ... ADD COLUMN IF NOT EXISTS) before they were in the schema: a database that has
-- them keeps them and its rows, and gets what an older start-up did not add.
CREATE TABLE IF NOT EXISTS "bootwatch_agent_lease" (
	"job_id" text PRIMARY KEY NOT NULL,
	"agent" text NOT NULL,
	"taken_at" timestamp with time zone DEFAULT now() NOT NULL,
	"beat_at" timestamp with time zone DEFAULT now() NOT NULL,
	"queue" text DEFAULT 'bootwatch-variant' NOT NULL,
	"label" text DEFAULT '' NOT NULL,
	"stale_ms" integer DEFAULT 30000 NOT NULL
);
--> statement-breakpoint
ALTER TABLE "bootwatch_agent_lease" ADD COLUMN IF NOT EXISTS "queue" text DEFAULT 'bootwatch-variant' NOT NULL;--> statement-breakpoint
ALTER TABLE "bootwatch_agent_lease" ADD COLUMN IF NOT EXISTS "label" text DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE "bootwatch_agent_lease" ADD COLUMN IF NOT EXISTS "stale_ms" integer DEFAULT 30000 NOT NULL;--> statement-breakpoint
CREATE TABLE IF NOT EXISTS "bootwatch_agent_run" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"job_id" text NOT NULL,
	"agent" text NOT NULL,
	"started_at" timestamp with time zone DEFAULT now() NOT NULL,
	"ended_at" timestamp with time zone,
	"result" text
);
--> statement-breakpoint
CREATE TABLE IF NOT EXISTS "bootwatch_agent" (
	"name" text PRIMARY KEY NOT NULL,
	"token_id" integer,
	"token_name" text,
	"capabilities" jsonb NOT NULL,
	"stale_ms" integer NOT NULL,
	"last_seen" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "bootwatch_agent_lease_agent" ON "bootwatch_agent_lease" USING btree ("agent");--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "bootwatch_agent_run_job" ON "bootwatch_agent_run" USING btree ("job_id");
