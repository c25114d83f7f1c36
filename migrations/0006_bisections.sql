CREATE TABLE "bisections" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "bisections_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"key" text NOT NULL,
	"variant" text NOT NULL,
	"good" text NOT NULL,
	"bad" text NOT NULL,
	"status" text DEFAULT 'running' NOT NULL,
	"builds" integer DEFAULT 0 NOT NULL,
	"max_builds" integer NOT NULL,
	"state" jsonb NOT NULL,
	"report" jsonb,
	"error" text,
	"agent" text,
	"started_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "bisections_key_unique" UNIQUE("key")
);
--> statement-breakpoint
CREATE INDEX "bisections_updated_idx" ON "bisections" USING btree ("updated_at" DESC NULLS FIRST);