ALTER TABLE "bootwatch_agent" ADD COLUMN "heartbeat_ms" integer;--> statement-breakpoint
ALTER TABLE "bootwatch_agent" ADD COLUMN "left_at" timestamp with time zone;