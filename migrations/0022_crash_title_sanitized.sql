-- Crash titles now end as syzkaller's do (collector/parser/sanitize-title.ts): cut to 120 bytes
-- of UTF-8, tabs as spaces, control and non-ASCII bytes dropped, runs of spaces as one, trimmed.
-- Stored titles, and every key made of one (crash signatures, issues, regressions), are
-- re-keyed here so an upgraded collector keeps one issue per bug. The three functions are this
-- migration's frozen copies of sanitizeTitle and crashSignature (collector/parser/crash-title.ts).
CREATE FUNCTION bw_0022_title(t text) RETURNS text LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
  bytes int := 0;
  n int := 0;
BEGIN
  -- Characters that start within the first 120 bytes (a split one is non-ASCII: dropped anyway).
  WHILE n < char_length(t) AND bytes < 120 LOOP
    n := n + 1;
    bytes := bytes + octet_length(substr(t, n, 1));
  END LOOP;
  RETURN btrim(regexp_replace(regexp_replace(translate(left(t, n), chr(9), ' '), '[^\x20-\x7e]', '', 'g'),
    ' {2,}', ' ', 'g'), ' ');
END $$;
--> statement-breakpoint
CREATE FUNCTION bw_0022_dirty(t text) RETURNS boolean LANGUAGE sql IMMUTABLE AS $$
  SELECT t IS NOT NULL AND (t ~ '[^\x20-\x7e]|  |^ | $' OR octet_length(t) > 120)
$$;
--> statement-breakpoint
CREATE FUNCTION bw_0022_signature(kind text, title text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT kind || ':' || btrim(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(title,
    '\.(?:isra|constprop|part|cold|llvm)\.\d+', '', 'g'),
    '\y0x[0-9a-f]+\y', '0xX', 'gi'),
    '\y[0-9a-f]{8,16}\y', 'X', 'g'),
    '(^|[^A-Za-z0-9_])-?\d+(?=$|[^A-Za-z0-9_])', '\1N', 'g'),
    '\s+', ' ', 'g'), ' ')
$$;
--> statement-breakpoint
-- Each title to change, sanitized and signed once per kind: a lab has many crashes, few titles.
CREATE TEMP TABLE bw_0022_title_map AS
  SELECT kind, old, new, CASE WHEN kind IS NOT NULL THEN bw_0022_signature(kind, new) END AS sig
  FROM (SELECT kind, t AS old, bw_0022_title(t) AS new FROM (
    SELECT kind, title AS t FROM crashes WHERE bw_0022_dirty(title)
    UNION SELECT NULL, first_crash FROM boots WHERE bw_0022_dirty(first_crash)
    -- crash_count is written with the result: boots without crashes are not read at all.
    UNION SELECT c->>'kind', c->>'title' FROM boots b
      CROSS JOIN LATERAL jsonb_array_elements(b.result->'crashes') c
      WHERE b.crash_count > 0 AND jsonb_typeof(b.result->'crashes') = 'array' AND bw_0022_dirty(c->>'title')) x) y;
--> statement-breakpoint
UPDATE crashes c SET title = m.new FROM bw_0022_title_map m WHERE c.title = m.old AND c.kind = m.kind;
--> statement-breakpoint
UPDATE boots b SET first_crash = m.new FROM bw_0022_title_map m WHERE b.first_crash = m.old AND m.kind IS NULL;
--> statement-breakpoint
-- The stored parse result: each crash's title and the signature made of it.
UPDATE boots b SET result = jsonb_set(b.result, '{crashes}', (
  SELECT coalesce(jsonb_agg(CASE WHEN m.old IS NULL THEN c
      ELSE c || jsonb_build_object('title', m.new, 'signature', m.sig) END ORDER BY n), '[]')
  FROM jsonb_array_elements(b.result->'crashes') WITH ORDINALITY AS x(c, n)
  LEFT JOIN bw_0022_title_map m ON m.old = c->>'title' AND m.kind = c->>'kind'))
WHERE b.crash_count > 0 AND jsonb_typeof(b.result->'crashes') = 'array'
  AND EXISTS (SELECT 1 FROM jsonb_array_elements(b.result->'crashes') c
    JOIN bw_0022_title_map m ON m.old = c->>'title' AND m.kind = c->>'kind');
--> statement-breakpoint
-- Issues: each crash issue whose title changes goes to its new signature; issues that now share
-- one merge into the oldest (smallest id), every boot counted once.
CREATE TEMP TABLE bw_0022_issue AS
  WITH moved AS (
    SELECT id, bw_0022_signature(kind, bw_0022_title(title)) AS sig FROM issues
    WHERE bw_0022_dirty(title)
      AND kind NOT IN ('init_exec', 'mount_failed', 'missing_config', 'probe_failed', 'error')),
  member AS (
    SELECT id, sig FROM moved
    UNION SELECT i.id, m.sig FROM moved m JOIN issues i ON i.signature = m.sig
      WHERE i.id NOT IN (SELECT id FROM moved))
  SELECT id, sig, min(id) OVER (PARTITION BY sig) AS winner FROM member;
--> statement-breakpoint
CREATE TEMP TABLE bw_0022_winner AS
  SELECT g.winner AS id, g.sig,
    (SELECT bw_0022_title(title) FROM issues WHERE id = g.winner) AS title,
    -- Each member counted its boots; a boot linked to two members counts once.
    sum(i.count)::int - (SELECT count(*) - count(DISTINCT l.boot_id) FROM issue_boots l
      JOIN bw_0022_issue m ON m.id = l.issue_id WHERE m.winner = g.winner)::int AS count,
    (array_agg(i.first_seen_at ORDER BY i.first_seen_at, i.first_boot_id))[1] AS first_seen_at,
    (array_agg(i.first_boot_id ORDER BY i.first_seen_at, i.first_boot_id))[1] AS first_boot_id,
    (array_agg(i.last_seen_at ORDER BY i.last_seen_at DESC, i.last_boot_id DESC))[1] AS last_seen_at,
    (array_agg(i.last_boot_id ORDER BY i.last_seen_at DESC, i.last_boot_id DESC))[1] AS last_boot_id
  FROM bw_0022_issue g JOIN issues i ON i.id = g.id
  GROUP BY g.winner, g.sig;
--> statement-breakpoint
-- The merged issues' boots join the winner (its per-variant summary follows by trigger).
INSERT INTO issue_boots (issue_id, boot_id, variant_id, line, at)
  SELECT DISTINCT ON (m.winner, l.boot_id) m.winner, l.boot_id, l.variant_id, l.line, l.at
  FROM issue_boots l JOIN bw_0022_issue m ON m.id = l.issue_id
  WHERE m.id <> m.winner
  ORDER BY m.winner, l.boot_id, l.line
ON CONFLICT DO NOTHING;
--> statement-breakpoint
UPDATE alerts a SET refs = jsonb_set(a.refs, '{issueId}', to_jsonb(m.winner))
  FROM bw_0022_issue m
  WHERE m.id <> m.winner AND a.refs->>'issueId' = m.id::text;
--> statement-breakpoint
DELETE FROM issues i USING bw_0022_issue m WHERE i.id = m.id AND m.id <> m.winner;
--> statement-breakpoint
-- Through a placeholder: one winner may take the signature another still holds.
UPDATE issues i SET signature = 'bw_0022:' || i.id FROM bw_0022_winner w WHERE i.id = w.id;
--> statement-breakpoint
UPDATE issues i SET signature = w.sig, title = w.title, count = w.count,
    first_seen_at = w.first_seen_at, first_boot_id = w.first_boot_id,
    last_seen_at = w.last_seen_at, last_boot_id = w.last_boot_id
  FROM bw_0022_winner w WHERE i.id = w.id;
--> statement-breakpoint
-- Regressions keyed `crash:<title>` are re-keyed; open ones of a variant that now share a key
-- are one, the oldest.
CREATE TEMP TABLE bw_0022_regression AS
  SELECT id, 'crash:' || bw_0022_title(substr(key, 7)) AS key FROM regressions
  WHERE kind = 'crash' AND key LIKE 'crash:%' AND bw_0022_dirty(substr(key, 7));
--> statement-breakpoint
CREATE TEMP TABLE bw_0022_regression_merge AS
  SELECT id, winner FROM (
    SELECT r.id, min(r.id) OVER w AS winner, bool_or(x.id IS NOT NULL) OVER w AS touched
    FROM regressions r LEFT JOIN bw_0022_regression x ON x.id = r.id
    WHERE r.status = 'open' AND r.kind = 'crash'
    WINDOW w AS (PARTITION BY r.variant_id, coalesce(x.key, r.key))) o
  WHERE touched AND id <> winner;
--> statement-breakpoint
UPDATE alerts a SET refs = jsonb_set(a.refs, '{regressionId}', to_jsonb(m.winner))
  FROM bw_0022_regression_merge m WHERE a.refs->>'regressionId' = m.id::text;
--> statement-breakpoint
DELETE FROM regressions r USING bw_0022_regression_merge m WHERE r.id = m.id;
--> statement-breakpoint
UPDATE regressions r SET key = x.key,
    title = CASE WHEN r.title LIKE 'new crash: %'
      THEN 'new crash: ' || bw_0022_title(substr(r.title, 12)) ELSE r.title END,
    now = CASE WHEN jsonb_typeof(r.now) = 'string' THEN to_jsonb(bw_0022_title(r.now #>> '{}')) ELSE r.now END
  FROM bw_0022_regression x WHERE r.id = x.id;
--> statement-breakpoint
-- An outcome regression's title names the crash the boot ended in.
UPDATE regressions
  SET title = substring(title FROM '^outcome \S+ → \S+: ') || bw_0022_title(regexp_replace(title, '^outcome \S+ → \S+: ', ''))
  WHERE kind = 'outcome' AND bw_0022_dirty(regexp_replace(title, '^outcome \S+ → \S+: ', ''))
    AND title ~ '^outcome \S+ → \S+: ';
--> statement-breakpoint
DROP TABLE bw_0022_title_map, bw_0022_issue, bw_0022_winner, bw_0022_regression, bw_0022_regression_merge;
--> statement-breakpoint
DROP FUNCTION bw_0022_signature(text, text);
--> statement-breakpoint
DROP FUNCTION bw_0022_dirty(text);
--> statement-breakpoint
DROP FUNCTION bw_0022_title(text);
