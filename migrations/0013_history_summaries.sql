CREATE TABLE "issue_variants" (
	"issue_id" integer NOT NULL,
	"variant_key" integer NOT NULL,
	"count" integer NOT NULL,
	"first_seen_at" timestamp with time zone NOT NULL,
	"first_boot_id" integer NOT NULL,
	"last_seen_at" timestamp with time zone NOT NULL,
	"last_boot_id" integer NOT NULL,
	CONSTRAINT "issue_variants_issue_id_variant_key_pk" PRIMARY KEY("issue_id","variant_key")
);
--> statement-breakpoint
CREATE TABLE "variant_summaries" (
	"variant_id" integer PRIMARY KEY NOT NULL,
	"build_count" integer DEFAULT 0 NOT NULL,
	"boot_count" integer DEFAULT 0 NOT NULL,
	"latest_build_id" integer,
	"latest_build_at" timestamp with time zone,
	"latest_boot_id" integer,
	"latest_boot_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "issue_variants" ADD CONSTRAINT "issue_variants_issue_id_issues_id_fk" FOREIGN KEY ("issue_id") REFERENCES "public"."issues"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "variant_summaries" ADD CONSTRAINT "variant_summaries_variant_id_variants_id_fk" FOREIGN KEY ("variant_id") REFERENCES "public"."variants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "issue_variants_variant_idx" ON "issue_variants" USING btree ("variant_key");--> statement-breakpoint
CREATE INDEX "boots_target_time_idx" ON "boots" USING btree ("target","started_at" DESC NULLS FIRST,"id" DESC NULLS FIRST);--> statement-breakpoint
CREATE INDEX "boots_running_idx" ON "boots" USING btree ("started_at" DESC NULLS FIRST,"id" DESC NULLS FIRST) WHERE "boots"."state" = 'running';--> statement-breakpoint
-- The summaries are kept by the database itself: every insert, move and delete of builds,
-- boots and issue_boots (ingest, re-imports, prune, cascades) updates them in its own
-- transaction. Inserts add incrementally; moves and deletes recompute the variants touched.
CREATE FUNCTION bw_refresh_variant_summary(vid integer) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO variant_summaries AS s (variant_id, build_count, boot_count, latest_build_id, latest_build_at,
      latest_boot_id, latest_boot_at)
    SELECT v.id, (SELECT count(*) FROM builds WHERE variant_id = v.id), (SELECT count(*) FROM boots WHERE variant_id = v.id),
      lb.id, lb.started_at, lt.id, lt.started_at
    FROM variants v
    LEFT JOIN LATERAL (SELECT id, started_at FROM builds WHERE variant_id = v.id ORDER BY started_at DESC, id DESC LIMIT 1) lb ON true
    LEFT JOIN LATERAL (SELECT id, started_at FROM boots WHERE variant_id = v.id ORDER BY started_at DESC, id DESC LIMIT 1) lt ON true
    WHERE v.id = vid
  ON CONFLICT (variant_id) DO UPDATE SET build_count = excluded.build_count, boot_count = excluded.boot_count,
    latest_build_id = excluded.latest_build_id, latest_build_at = excluded.latest_build_at,
    latest_boot_id = excluded.latest_boot_id, latest_boot_at = excluded.latest_boot_at;
END $$;
--> statement-breakpoint
-- The row's own time decides "newest": under concurrent inserts the conflicting row is re-read, a snapshot is not.
CREATE FUNCTION bw_build_added() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO variant_summaries AS s (variant_id, build_count, latest_build_id, latest_build_at)
    VALUES (NEW.variant_id, 1, NEW.id, NEW.started_at)
  ON CONFLICT (variant_id) DO UPDATE SET build_count = s.build_count + 1,
    latest_build_id = CASE WHEN s.latest_build_at IS NULL OR (NEW.started_at, NEW.id) > (s.latest_build_at, s.latest_build_id)
      THEN NEW.id ELSE s.latest_build_id END,
    latest_build_at = CASE WHEN s.latest_build_at IS NULL OR (NEW.started_at, NEW.id) > (s.latest_build_at, s.latest_build_id)
      THEN NEW.started_at ELSE s.latest_build_at END;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE FUNCTION bw_boot_added() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO variant_summaries AS s (variant_id, boot_count, latest_boot_id, latest_boot_at)
    VALUES (NEW.variant_id, 1, NEW.id, NEW.started_at)
  ON CONFLICT (variant_id) DO UPDATE SET boot_count = s.boot_count + 1,
    latest_boot_id = CASE WHEN s.latest_boot_at IS NULL OR (NEW.started_at, NEW.id) > (s.latest_boot_at, s.latest_boot_id)
      THEN NEW.id ELSE s.latest_boot_id END,
    latest_boot_at = CASE WHEN s.latest_boot_at IS NULL OR (NEW.started_at, NEW.id) > (s.latest_boot_at, s.latest_boot_id)
      THEN NEW.started_at ELSE s.latest_boot_at END;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE FUNCTION bw_variant_row_moved() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM bw_refresh_variant_summary(OLD.variant_id);
  IF NEW.variant_id IS DISTINCT FROM OLD.variant_id THEN
    PERFORM bw_refresh_variant_summary(NEW.variant_id);
  END IF;
  RETURN NULL;
END $$;
--> statement-breakpoint
-- Statement level: a prune of thousands of boots recomputes each variant once.
CREATE FUNCTION bw_variant_rows_removed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM bw_refresh_variant_summary(g.variant_id) FROM (SELECT DISTINCT variant_id FROM gone WHERE variant_id IS NOT NULL) g;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER builds_summary_insert AFTER INSERT ON builds FOR EACH ROW EXECUTE FUNCTION bw_build_added();
--> statement-breakpoint
CREATE TRIGGER builds_summary_update AFTER UPDATE OF variant_id, started_at ON builds FOR EACH ROW
  WHEN (OLD.variant_id IS DISTINCT FROM NEW.variant_id OR OLD.started_at IS DISTINCT FROM NEW.started_at)
  EXECUTE FUNCTION bw_variant_row_moved();
--> statement-breakpoint
CREATE TRIGGER builds_summary_delete AFTER DELETE ON builds REFERENCING OLD TABLE AS gone
  FOR EACH STATEMENT EXECUTE FUNCTION bw_variant_rows_removed();
--> statement-breakpoint
CREATE TRIGGER boots_summary_insert AFTER INSERT ON boots FOR EACH ROW WHEN (NEW.variant_id IS NOT NULL)
  EXECUTE FUNCTION bw_boot_added();
--> statement-breakpoint
CREATE TRIGGER boots_summary_update AFTER UPDATE OF variant_id, started_at ON boots FOR EACH ROW
  WHEN (OLD.variant_id IS DISTINCT FROM NEW.variant_id OR OLD.started_at IS DISTINCT FROM NEW.started_at)
  EXECUTE FUNCTION bw_variant_row_moved();
--> statement-breakpoint
CREATE TRIGGER boots_summary_delete AFTER DELETE ON boots REFERENCING OLD TABLE AS gone
  FOR EACH STATEMENT EXECUTE FUNCTION bw_variant_rows_removed();
--> statement-breakpoint
CREATE FUNCTION bw_refresh_issue_variant(iid integer, vkey integer) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM issue_variants WHERE issue_id = iid AND variant_key = vkey;
  INSERT INTO issue_variants (issue_id, variant_key, count, first_seen_at, first_boot_id, last_seen_at, last_boot_id)
    SELECT iid, vkey, count(*), min(at), (array_agg(boot_id ORDER BY at, boot_id))[1],
      max(at), (array_agg(boot_id ORDER BY at DESC, boot_id DESC))[1]
    FROM issue_boots
    WHERE issue_id = iid AND (variant_id = vkey OR (vkey = 0 AND variant_id IS NULL))
      AND EXISTS (SELECT 1 FROM issues WHERE id = iid)
    HAVING count(*) > 0;
END $$;
--> statement-breakpoint
CREATE FUNCTION bw_issue_boot_added() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO issue_variants AS s (issue_id, variant_key, count, first_seen_at, first_boot_id, last_seen_at, last_boot_id)
    VALUES (NEW.issue_id, coalesce(NEW.variant_id, 0), 1, NEW.at, NEW.boot_id, NEW.at, NEW.boot_id)
  ON CONFLICT (issue_id, variant_key) DO UPDATE SET count = s.count + 1,
    first_seen_at = CASE WHEN (NEW.at, NEW.boot_id) < (s.first_seen_at, s.first_boot_id) THEN NEW.at ELSE s.first_seen_at END,
    first_boot_id = CASE WHEN (NEW.at, NEW.boot_id) < (s.first_seen_at, s.first_boot_id) THEN NEW.boot_id ELSE s.first_boot_id END,
    last_seen_at = CASE WHEN (NEW.at, NEW.boot_id) > (s.last_seen_at, s.last_boot_id) THEN NEW.at ELSE s.last_seen_at END,
    last_boot_id = CASE WHEN (NEW.at, NEW.boot_id) > (s.last_seen_at, s.last_boot_id) THEN NEW.boot_id ELSE s.last_boot_id END;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE FUNCTION bw_issue_boot_moved() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM bw_refresh_issue_variant(OLD.issue_id, coalesce(OLD.variant_id, 0));
  PERFORM bw_refresh_issue_variant(NEW.issue_id, coalesce(NEW.variant_id, 0));
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE FUNCTION bw_issue_boots_removed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM bw_refresh_issue_variant(g.issue_id, g.vkey)
    FROM (SELECT DISTINCT issue_id, coalesce(variant_id, 0) AS vkey FROM gone) g;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER issue_boots_summary_insert AFTER INSERT ON issue_boots FOR EACH ROW EXECUTE FUNCTION bw_issue_boot_added();
--> statement-breakpoint
CREATE TRIGGER issue_boots_summary_update AFTER UPDATE ON issue_boots FOR EACH ROW
  WHEN (OLD.variant_id IS DISTINCT FROM NEW.variant_id OR OLD.issue_id IS DISTINCT FROM NEW.issue_id
    OR OLD.at IS DISTINCT FROM NEW.at OR OLD.boot_id IS DISTINCT FROM NEW.boot_id)
  EXECUTE FUNCTION bw_issue_boot_moved();
--> statement-breakpoint
CREATE TRIGGER issue_boots_summary_delete AFTER DELETE ON issue_boots REFERENCING OLD TABLE AS gone
  FOR EACH STATEMENT EXECUTE FUNCTION bw_issue_boots_removed();
--> statement-breakpoint
-- Backfill from what is stored.
INSERT INTO variant_summaries (variant_id, build_count, boot_count, latest_build_id, latest_build_at, latest_boot_id, latest_boot_at)
  SELECT v.id, (SELECT count(*) FROM builds WHERE variant_id = v.id), (SELECT count(*) FROM boots WHERE variant_id = v.id),
    lb.id, lb.started_at, lt.id, lt.started_at
  FROM variants v
  LEFT JOIN LATERAL (SELECT id, started_at FROM builds WHERE variant_id = v.id ORDER BY started_at DESC, id DESC LIMIT 1) lb ON true
  LEFT JOIN LATERAL (SELECT id, started_at FROM boots WHERE variant_id = v.id ORDER BY started_at DESC, id DESC LIMIT 1) lt ON true;
--> statement-breakpoint
INSERT INTO issue_variants (issue_id, variant_key, count, first_seen_at, first_boot_id, last_seen_at, last_boot_id)
  SELECT issue_id, coalesce(variant_id, 0), count(*), min(at), (array_agg(boot_id ORDER BY at, boot_id))[1],
    max(at), (array_agg(boot_id ORDER BY at DESC, boot_id DESC))[1]
  FROM issue_boots GROUP BY issue_id, coalesce(variant_id, 0);
