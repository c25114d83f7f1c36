CREATE TABLE "climbs" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "climbs_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"key" text NOT NULL,
	"matrix" text NOT NULL,
	"variant" text NOT NULL,
	"goals" jsonb NOT NULL,
	"status" text DEFAULT 'running' NOT NULL,
	"phase" text NOT NULL,
	"builds" integer DEFAULT 0 NOT NULL,
	"max_builds" integer NOT NULL,
	"stage" text,
	"stopped" text,
	"state" jsonb NOT NULL,
	"error" text,
	"agent" text,
	"owner_token_id" integer,
	"submitted_by" text,
	"started_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "climbs_key_unique" UNIQUE("key")
);
--> statement-breakpoint
CREATE INDEX "climbs_updated_idx" ON "climbs" USING btree ("updated_at" DESC NULLS FIRST);