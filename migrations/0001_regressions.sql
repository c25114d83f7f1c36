CREATE TABLE "matrix_runs" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "matrix_runs_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"matrix" text NOT NULL,
	"boot_ids" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"build_ids" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"results" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "regressions" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "regressions_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"variant_id" integer NOT NULL,
	"key" text NOT NULL,
	"kind" text NOT NULL,
	"severity" text NOT NULL,
	"title" text NOT NULL,
	"status" text DEFAULT 'open' NOT NULL,
	"boot_id" integer,
	"build_id" integer,
	"baseline_boot_id" integer,
	"baseline_build_id" integer,
	"was" jsonb,
	"now" jsonb,
	"threshold" double precision,
	"stats" jsonb,
	"time" double precision,
	"evidence" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"detected_at" timestamp with time zone DEFAULT now() NOT NULL,
	"fixed_boot_id" integer,
	"fixed_build_id" integer,
	"fixed_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "variant_baselines" (
	"variant_id" integer PRIMARY KEY NOT NULL,
	"boot_id" integer NOT NULL,
	"note" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "regressions" ADD CONSTRAINT "regressions_variant_id_variants_id_fk" FOREIGN KEY ("variant_id") REFERENCES "public"."variants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "regressions" ADD CONSTRAINT "regressions_boot_id_boots_id_fk" FOREIGN KEY ("boot_id") REFERENCES "public"."boots"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "regressions" ADD CONSTRAINT "regressions_build_id_builds_id_fk" FOREIGN KEY ("build_id") REFERENCES "public"."builds"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "regressions" ADD CONSTRAINT "regressions_baseline_boot_id_boots_id_fk" FOREIGN KEY ("baseline_boot_id") REFERENCES "public"."boots"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "regressions" ADD CONSTRAINT "regressions_baseline_build_id_builds_id_fk" FOREIGN KEY ("baseline_build_id") REFERENCES "public"."builds"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "regressions" ADD CONSTRAINT "regressions_fixed_boot_id_boots_id_fk" FOREIGN KEY ("fixed_boot_id") REFERENCES "public"."boots"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "regressions" ADD CONSTRAINT "regressions_fixed_build_id_builds_id_fk" FOREIGN KEY ("fixed_build_id") REFERENCES "public"."builds"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "variant_baselines" ADD CONSTRAINT "variant_baselines_variant_id_variants_id_fk" FOREIGN KEY ("variant_id") REFERENCES "public"."variants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "variant_baselines" ADD CONSTRAINT "variant_baselines_boot_id_boots_id_fk" FOREIGN KEY ("boot_id") REFERENCES "public"."boots"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "matrix_runs_time_idx" ON "matrix_runs" USING btree ("created_at" DESC NULLS LAST);--> statement-breakpoint
CREATE UNIQUE INDEX "regressions_open_key_idx" ON "regressions" USING btree ("variant_id","key") WHERE status = 'open';--> statement-breakpoint
CREATE INDEX "regressions_time_idx" ON "regressions" USING btree ("detected_at" DESC NULLS LAST,"id" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "regressions_variant_idx" ON "regressions" USING btree ("variant_id","status");