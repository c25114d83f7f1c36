CREATE INDEX "boots_ungrouped_idx" ON "boots" USING btree ("started_at","id") WHERE "boots"."state" = 'finished' and not "boots"."issues_grouped";--> statement-breakpoint
-- issue_boots' summary per statement, not per row: grouping a batch of boots inserts
-- thousands of links in one statement, and each (issue, variant) pair is upserted once.
DROP TRIGGER issue_boots_summary_insert ON issue_boots;
--> statement-breakpoint
DROP FUNCTION bw_issue_boot_added();
--> statement-breakpoint
CREATE FUNCTION bw_issue_boots_added() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  -- In key order, so concurrent writers lock shared summary rows in one order.
  INSERT INTO issue_variants AS s (issue_id, variant_key, count, first_seen_at, first_boot_id, last_seen_at, last_boot_id)
    SELECT issue_id, coalesce(variant_id, 0), count(*), min(at), (array_agg(boot_id ORDER BY at, boot_id))[1],
      max(at), (array_agg(boot_id ORDER BY at DESC, boot_id DESC))[1]
    FROM added GROUP BY 1, 2 ORDER BY 1, 2
  ON CONFLICT (issue_id, variant_key) DO UPDATE SET count = s.count + excluded.count,
    first_seen_at = CASE WHEN (excluded.first_seen_at, excluded.first_boot_id) < (s.first_seen_at, s.first_boot_id)
      THEN excluded.first_seen_at ELSE s.first_seen_at END,
    first_boot_id = CASE WHEN (excluded.first_seen_at, excluded.first_boot_id) < (s.first_seen_at, s.first_boot_id)
      THEN excluded.first_boot_id ELSE s.first_boot_id END,
    last_seen_at = CASE WHEN (excluded.last_seen_at, excluded.last_boot_id) > (s.last_seen_at, s.last_boot_id)
      THEN excluded.last_seen_at ELSE s.last_seen_at END,
    last_boot_id = CASE WHEN (excluded.last_seen_at, excluded.last_boot_id) > (s.last_seen_at, s.last_boot_id)
      THEN excluded.last_boot_id ELSE s.last_boot_id END;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER issue_boots_summary_insert AFTER INSERT ON issue_boots REFERENCING NEW TABLE AS added
  FOR EACH STATEMENT EXECUTE FUNCTION bw_issue_boots_added();
