CREATE TABLE "kernel_sources" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "kernel_sources_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"key" text NOT NULL,
	"name" text NOT NULL,
	"version" text,
	"kind" text NOT NULL,
	"path" text,
	"commit" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "kernel_sources_key_unique" UNIQUE("key")
);
--> statement-breakpoint
CREATE TABLE "variants" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "variants_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"name" text NOT NULL,
	"matrix" text,
	"base_config" text,
	"fragments" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "variants_name_unique" UNIQUE("name")
);
--> statement-breakpoint
CREATE TABLE "build_symbols" (
	"build_id" integer PRIMARY KEY NOT NULL,
	"count" integer NOT NULL,
	"data" "bytea" NOT NULL
);
--> statement-breakpoint
CREATE TABLE "build_system_maps" (
	"build_id" integer PRIMARY KEY NOT NULL,
	"bytes" integer NOT NULL,
	"data" "bytea" NOT NULL
);
--> statement-breakpoint
CREATE TABLE "builds" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "builds_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"variant_id" integer NOT NULL,
	"source_id" integer,
	"config_id" integer,
	"matrix" text,
	"arch" text,
	"base_config" text,
	"fragments" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"status" text NOT NULL,
	"exit_code" integer,
	"started_at" timestamp with time zone NOT NULL,
	"wall_ms" integer,
	"user_ms" integer,
	"sys_ms" integer,
	"image_size" bigint,
	"vmlinux_size" bigint,
	"text_size" bigint,
	"data_size" bigint,
	"bss_size" bigint,
	"compiler" text,
	"command" text,
	"host" text,
	"log_tail" text,
	"warnings" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"errors" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"dropped" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"symbol_count" integer DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "configs" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "configs_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"sha256" text NOT NULL,
	"content" text NOT NULL,
	"bytes" integer NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "configs_sha256_unique" UNIQUE("sha256")
);
--> statement-breakpoint
CREATE TABLE "boots" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "boots_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"build_id" integer,
	"variant_id" integer,
	"target" text NOT NULL,
	"machine" text,
	"accel" text,
	"cmdline" text,
	"memory_mb" integer,
	"cpus" integer,
	"host" text,
	"init_is_script" boolean DEFAULT false NOT NULL,
	"idempotency_key" text,
	"meta" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"state" text DEFAULT 'running' NOT NULL,
	"outcome" text,
	"parse_outcome" text,
	"status" text,
	"end_reason" text,
	"harness_error" text,
	"started_at" timestamp with time zone DEFAULT now() NOT NULL,
	"finished_at" timestamp with time zone,
	"duration_ms" integer,
	"console_bytes" bigint DEFAULT 0 NOT NULL,
	"console_lines" integer DEFAULT 0 NOT NULL,
	"kernel" jsonb,
	"kernel_version" text,
	"panic" jsonb,
	"milestones" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"last_stage" text,
	"checks" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"crash_count" integer DEFAULT 0 NOT NULL,
	"first_crash" text,
	"top_diagnosis" jsonb,
	"result" jsonb,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "boots_idempotency_key_unique" UNIQUE("idempotency_key")
);
--> statement-breakpoint
CREATE TABLE "console_chunks" (
	"boot_id" integer NOT NULL,
	"offset" bigint NOT NULL,
	"data" "bytea" NOT NULL,
	CONSTRAINT "console_chunks_boot_id_offset_pk" PRIMARY KEY("boot_id","offset")
);
--> statement-breakpoint
CREATE TABLE "console_lines" (
	"boot_id" integer NOT NULL,
	"line" integer NOT NULL,
	"time" double precision,
	"cls" text NOT NULL,
	"level" smallint,
	"text" text NOT NULL,
	CONSTRAINT "console_lines_boot_id_line_pk" PRIMARY KEY("boot_id","line")
);
--> statement-breakpoint
CREATE TABLE "crashes" (
	"boot_id" integer NOT NULL,
	"seq" integer NOT NULL,
	"kind" text NOT NULL,
	"title" text NOT NULL,
	"line" integer NOT NULL,
	"end_line" integer NOT NULL,
	"time" double precision,
	"function" text,
	"location" text,
	"fatal" boolean NOT NULL,
	"corrupted" boolean DEFAULT false NOT NULL,
	"frames" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"report" jsonb DEFAULT '[]'::jsonb NOT NULL,
	CONSTRAINT "crashes_boot_id_seq_pk" PRIMARY KEY("boot_id","seq")
);
--> statement-breakpoint
CREATE TABLE "diagnoses" (
	"boot_id" integer NOT NULL,
	"rank" integer NOT NULL,
	"option" text NOT NULL,
	"reason" text NOT NULL,
	"line" integer NOT NULL,
	"rule" text NOT NULL,
	"confidence" real NOT NULL,
	"evidence" text NOT NULL,
	CONSTRAINT "diagnoses_boot_id_rank_pk" PRIMARY KEY("boot_id","rank")
);
--> statement-breakpoint
CREATE TABLE "events" (
	"boot_id" integer NOT NULL,
	"seq" integer NOT NULL,
	"line" integer NOT NULL,
	"time" double precision,
	"kind" text NOT NULL,
	"errno" integer,
	"errno_name" text,
	"driver" text,
	"device" text,
	"option" text,
	"message" text,
	"data" jsonb NOT NULL,
	CONSTRAINT "events_boot_id_seq_pk" PRIMARY KEY("boot_id","seq")
);
--> statement-breakpoint
CREATE TABLE "initcalls" (
	"boot_id" integer NOT NULL,
	"line" integer NOT NULL,
	"fn" text NOT NULL,
	"usecs" bigint NOT NULL,
	"ret" integer NOT NULL,
	"time" double precision,
	"module" text,
	CONSTRAINT "initcalls_boot_id_line_pk" PRIMARY KEY("boot_id","line")
);
--> statement-breakpoint
ALTER TABLE "build_symbols" ADD CONSTRAINT "build_symbols_build_id_builds_id_fk" FOREIGN KEY ("build_id") REFERENCES "public"."builds"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "build_system_maps" ADD CONSTRAINT "build_system_maps_build_id_builds_id_fk" FOREIGN KEY ("build_id") REFERENCES "public"."builds"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "builds" ADD CONSTRAINT "builds_variant_id_variants_id_fk" FOREIGN KEY ("variant_id") REFERENCES "public"."variants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "builds" ADD CONSTRAINT "builds_source_id_kernel_sources_id_fk" FOREIGN KEY ("source_id") REFERENCES "public"."kernel_sources"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "builds" ADD CONSTRAINT "builds_config_id_configs_id_fk" FOREIGN KEY ("config_id") REFERENCES "public"."configs"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "boots" ADD CONSTRAINT "boots_build_id_builds_id_fk" FOREIGN KEY ("build_id") REFERENCES "public"."builds"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "boots" ADD CONSTRAINT "boots_variant_id_variants_id_fk" FOREIGN KEY ("variant_id") REFERENCES "public"."variants"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "console_chunks" ADD CONSTRAINT "console_chunks_boot_id_boots_id_fk" FOREIGN KEY ("boot_id") REFERENCES "public"."boots"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "console_lines" ADD CONSTRAINT "console_lines_boot_id_boots_id_fk" FOREIGN KEY ("boot_id") REFERENCES "public"."boots"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "crashes" ADD CONSTRAINT "crashes_boot_id_boots_id_fk" FOREIGN KEY ("boot_id") REFERENCES "public"."boots"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "diagnoses" ADD CONSTRAINT "diagnoses_boot_id_boots_id_fk" FOREIGN KEY ("boot_id") REFERENCES "public"."boots"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "events" ADD CONSTRAINT "events_boot_id_boots_id_fk" FOREIGN KEY ("boot_id") REFERENCES "public"."boots"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "initcalls" ADD CONSTRAINT "initcalls_boot_id_boots_id_fk" FOREIGN KEY ("boot_id") REFERENCES "public"."boots"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "builds_variant_time_idx" ON "builds" USING btree ("variant_id","started_at" DESC NULLS LAST,"id" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "builds_time_idx" ON "builds" USING btree ("started_at" DESC NULLS LAST,"id" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "builds_config_idx" ON "builds" USING btree ("config_id");--> statement-breakpoint
CREATE INDEX "boots_time_idx" ON "boots" USING btree ("started_at" DESC NULLS LAST,"id" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "boots_variant_time_idx" ON "boots" USING btree ("variant_id","started_at" DESC NULLS LAST,"id" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "boots_build_idx" ON "boots" USING btree ("build_id");--> statement-breakpoint
CREATE INDEX "boots_outcome_idx" ON "boots" USING btree ("outcome","started_at" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "crashes_title_idx" ON "crashes" USING btree ("title","boot_id");--> statement-breakpoint
CREATE INDEX "diagnoses_option_idx" ON "diagnoses" USING btree ("option","boot_id");--> statement-breakpoint
CREATE INDEX "events_kind_idx" ON "events" USING btree ("kind","boot_id");--> statement-breakpoint
CREATE INDEX "events_errno_idx" ON "events" USING btree ("errno_name","boot_id");--> statement-breakpoint
CREATE INDEX "events_driver_idx" ON "events" USING btree ("driver","boot_id");--> statement-breakpoint
CREATE INDEX "initcalls_fn_idx" ON "initcalls" USING btree ("fn","boot_id");