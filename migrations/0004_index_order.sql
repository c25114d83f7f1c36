DROP INDEX "boots_time_idx";--> statement-breakpoint
DROP INDEX "boots_variant_time_idx";--> statement-breakpoint
DROP INDEX "boots_outcome_idx";--> statement-breakpoint
DROP INDEX "builds_variant_time_idx";--> statement-breakpoint
DROP INDEX "builds_time_idx";--> statement-breakpoint
DROP INDEX "matrix_runs_time_idx";--> statement-breakpoint
DROP INDEX "regressions_time_idx";--> statement-breakpoint
CREATE INDEX "boots_time_idx" ON "boots" USING btree ("started_at" DESC NULLS FIRST,"id" DESC NULLS FIRST);--> statement-breakpoint
CREATE INDEX "boots_variant_time_idx" ON "boots" USING btree ("variant_id","started_at" DESC NULLS FIRST,"id" DESC NULLS FIRST);--> statement-breakpoint
CREATE INDEX "boots_outcome_idx" ON "boots" USING btree ("outcome","started_at" DESC NULLS FIRST);--> statement-breakpoint
CREATE INDEX "builds_variant_time_idx" ON "builds" USING btree ("variant_id","started_at" DESC NULLS FIRST,"id" DESC NULLS FIRST);--> statement-breakpoint
CREATE INDEX "builds_time_idx" ON "builds" USING btree ("started_at" DESC NULLS FIRST,"id" DESC NULLS FIRST);--> statement-breakpoint
CREATE INDEX "matrix_runs_time_idx" ON "matrix_runs" USING btree ("created_at" DESC NULLS FIRST);--> statement-breakpoint
CREATE INDEX "regressions_time_idx" ON "regressions" USING btree ("detected_at" DESC NULLS FIRST,"id" DESC NULLS FIRST);