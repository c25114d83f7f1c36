-- issue_boots' statement trigger now keeps the issues' counts and first/last seen too (from the
-- same per-(issue, variant) aggregate), so grouping a batch is one statement: upsert the
-- issues, link the boots, mark them grouped. Each group's boots are ordered once, (at, id):
-- the first is the array's head and the last its tail, where two orderings sorted every group twice.
CREATE OR REPLACE FUNCTION bw_issue_boots_added() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  WITH per AS (
    SELECT issue_id, coalesce(variant_id, 0) AS vkey, count(*)::int AS n, min(at) AS first_at, max(at) AS last_at,
      array_agg(boot_id ORDER BY at, boot_id) AS b
    FROM added GROUP BY 1, 2),
  -- In key order, so concurrent writers lock shared summary rows in one order.
  summary AS (
    INSERT INTO issue_variants AS s (issue_id, variant_key, count, first_seen_at, first_boot_id, last_seen_at, last_boot_id)
      SELECT issue_id, vkey, n, first_at, b[1], last_at, b[cardinality(b)] FROM per ORDER BY 1, 2
    ON CONFLICT (issue_id, variant_key) DO UPDATE SET count = s.count + excluded.count,
      first_seen_at = CASE WHEN (excluded.first_seen_at, excluded.first_boot_id) < (s.first_seen_at, s.first_boot_id)
        THEN excluded.first_seen_at ELSE s.first_seen_at END,
      first_boot_id = CASE WHEN (excluded.first_seen_at, excluded.first_boot_id) < (s.first_seen_at, s.first_boot_id)
        THEN excluded.first_boot_id ELSE s.first_boot_id END,
      last_seen_at = CASE WHEN (excluded.last_seen_at, excluded.last_boot_id) > (s.last_seen_at, s.last_boot_id)
        THEN excluded.last_seen_at ELSE s.last_seen_at END,
      last_boot_id = CASE WHEN (excluded.last_seen_at, excluded.last_boot_id) > (s.last_seen_at, s.last_boot_id)
        THEN excluded.last_boot_id ELSE s.last_boot_id END),
  total AS (
    SELECT issue_id, sum(n)::int AS n,
      (array_agg(first_at ORDER BY first_at, b[1]))[1] AS first_at, (array_agg(b[1] ORDER BY first_at, b[1]))[1] AS first_boot,
      (array_agg(last_at ORDER BY last_at DESC, b[cardinality(b)] DESC))[1] AS last_at,
      (array_agg(b[cardinality(b)] ORDER BY last_at DESC, b[cardinality(b)] DESC))[1] AS last_boot
    FROM per GROUP BY issue_id)
  UPDATE issues i SET count = i.count + t.n,
    first_seen_at = CASE WHEN (t.first_at, t.first_boot) < (i.first_seen_at, i.first_boot_id)
      THEN t.first_at ELSE i.first_seen_at END,
    first_boot_id = CASE WHEN (t.first_at, t.first_boot) < (i.first_seen_at, i.first_boot_id)
      THEN t.first_boot ELSE i.first_boot_id END,
    last_seen_at = CASE WHEN (t.last_at, t.last_boot) > (i.last_seen_at, i.last_boot_id)
      THEN t.last_at ELSE i.last_seen_at END,
    last_boot_id = CASE WHEN (t.last_at, t.last_boot) > (i.last_seen_at, i.last_boot_id)
      THEN t.last_boot ELSE i.last_boot_id END
  FROM total t WHERE i.id = t.issue_id;
  RETURN NULL;
END $$;
