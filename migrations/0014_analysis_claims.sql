CREATE TABLE "analysis_claims" (
	"boot_id" integer NOT NULL,
	"task" text NOT NULL,
	"finished_at" timestamp with time zone NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "analysis_claims_boot_id_task_finished_at_pk" PRIMARY KEY("boot_id","task","finished_at")
);
--> statement-breakpoint
ALTER TABLE "analysis_claims" ADD CONSTRAINT "analysis_claims_boot_id_boots_id_fk" FOREIGN KEY ("boot_id") REFERENCES "public"."boots"("id") ON DELETE cascade ON UPDATE no action;