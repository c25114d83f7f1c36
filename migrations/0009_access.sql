CREATE TABLE "api_tokens" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "api_tokens_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"name" text NOT NULL,
	"scope" text NOT NULL,
	"hash" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_used_at" timestamp with time zone,
	"revoked_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "bisections" ADD COLUMN "owner_token_id" integer;--> statement-breakpoint
ALTER TABLE "bisections" ADD COLUMN "submitted_by" text;--> statement-breakpoint
ALTER TABLE "boots" ADD COLUMN "owner_token_id" integer;--> statement-breakpoint
ALTER TABLE "boots" ADD COLUMN "submitted_by" text;--> statement-breakpoint
ALTER TABLE "builds" ADD COLUMN "owner_token_id" integer;--> statement-breakpoint
ALTER TABLE "builds" ADD COLUMN "submitted_by" text;--> statement-breakpoint
ALTER TABLE "matrix_runs" ADD COLUMN "owner_token_id" integer;--> statement-breakpoint
ALTER TABLE "matrix_runs" ADD COLUMN "submitted_by" text;--> statement-breakpoint
CREATE UNIQUE INDEX "api_tokens_hash_idx" ON "api_tokens" USING btree ("hash");--> statement-breakpoint
CREATE UNIQUE INDEX "api_tokens_live_name_idx" ON "api_tokens" USING btree ("name") WHERE "api_tokens"."revoked_at" is null;--> statement-breakpoint
CREATE INDEX "api_tokens_created_idx" ON "api_tokens" USING btree ("created_at");