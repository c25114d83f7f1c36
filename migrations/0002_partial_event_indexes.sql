DROP INDEX "events_errno_idx";--> statement-breakpoint
DROP INDEX "events_driver_idx";--> statement-breakpoint
CREATE INDEX "events_errno_idx" ON "events" USING btree ("errno_name","boot_id") WHERE "events"."errno_name" is not null;--> statement-breakpoint
CREATE INDEX "events_driver_idx" ON "events" USING btree ("driver","boot_id") WHERE "events"."driver" is not null;