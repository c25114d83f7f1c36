-- events is the busiest table: its per-row foreign-key check halved the ingest rate and the
-- (kind, boot_id) index served no query (readers go by boot). See collector/db/schema/findings.ts.
ALTER TABLE "events" DROP CONSTRAINT "events_boot_id_boots_id_fk";
--> statement-breakpoint
DROP INDEX "events_kind_idx";