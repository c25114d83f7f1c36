-- Existing chunks stay 'raw' and read as stored; the collector compresses finished boots'
-- raw chunks in the background (collector/ingest/console-compactor.ts), found by this index.
ALTER TABLE "console_chunks" ADD COLUMN "encoding" text DEFAULT 'raw' NOT NULL;--> statement-breakpoint
CREATE INDEX "console_chunks_raw_idx" ON "console_chunks" USING btree ("boot_id") WHERE "console_chunks"."encoding" = 'raw';