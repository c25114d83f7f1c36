CREATE TABLE "issue_boots" (
	"issue_id" integer NOT NULL,
	"boot_id" integer NOT NULL,
	"variant_id" integer,
	"line" integer NOT NULL,
	"at" timestamp with time zone NOT NULL,
	CONSTRAINT "issue_boots_issue_id_boot_id_pk" PRIMARY KEY("issue_id","boot_id")
);
--> statement-breakpoint
CREATE TABLE "issues" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "issues_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"signature" text NOT NULL,
	"kind" text NOT NULL,
	"title" text NOT NULL,
	"file" text,
	"first_seen_at" timestamp with time zone NOT NULL,
	"last_seen_at" timestamp with time zone NOT NULL,
	"first_boot_id" integer NOT NULL,
	"last_boot_id" integer NOT NULL,
	"count" integer DEFAULT 0 NOT NULL,
	CONSTRAINT "issues_signature_unique" UNIQUE("signature")
);
--> statement-breakpoint
ALTER TABLE "issue_boots" ADD CONSTRAINT "issue_boots_issue_id_issues_id_fk" FOREIGN KEY ("issue_id") REFERENCES "public"."issues"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "issue_boots" ADD CONSTRAINT "issue_boots_boot_id_boots_id_fk" FOREIGN KEY ("boot_id") REFERENCES "public"."boots"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "issue_boots" ADD CONSTRAINT "issue_boots_variant_id_variants_id_fk" FOREIGN KEY ("variant_id") REFERENCES "public"."variants"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "issue_boots_boot_idx" ON "issue_boots" USING btree ("boot_id");--> statement-breakpoint
CREATE INDEX "issue_boots_variant_idx" ON "issue_boots" USING btree ("issue_id","variant_id","at" DESC NULLS FIRST);--> statement-breakpoint
CREATE INDEX "issues_last_seen_idx" ON "issues" USING btree ("last_seen_at" DESC NULLS FIRST);