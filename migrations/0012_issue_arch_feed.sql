ALTER TABLE "boots" ADD COLUMN "arch" text;--> statement-breakpoint
ALTER TABLE "boots" ADD COLUMN "issues_grouped" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "issues" ADD COLUMN "status" text;--> statement-breakpoint
UPDATE "boots" SET "arch" = "result"->>'arch' WHERE "result"->>'arch' IN ('x86_64', 'arm64', 'riscv64');--> statement-breakpoint
UPDATE "boots" SET "issues_grouped" = true WHERE EXISTS (SELECT 1 FROM "issue_boots" WHERE "issue_boots"."boot_id" = "boots"."id");
