-- No query filters events on errno_name or driver: these indexes only cost ingest time (a fifth of the COPY rate).
DROP INDEX "events_errno_idx";--> statement-breakpoint
DROP INDEX "events_driver_idx";