ALTER TABLE "builds" ADD COLUMN "idempotency_key" text;--> statement-breakpoint
ALTER TABLE "builds" ADD CONSTRAINT "builds_idempotency_key_unique" UNIQUE("idempotency_key");