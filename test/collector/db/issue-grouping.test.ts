/**
 * Set-based grouping on PGlite and PostgreSQL: many boots grouped in one batch give the
 * same issues, links and per-variant summaries as the collector's grouping one boot at a
 * time after each import, and grouping them again changes nothing.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../../collector/db/client.ts';
import { recordIssuesOfBoots } from '../../../collector/db/queries/issue-grouping.ts';
import { rowsOf } from '../../../collector/db/rows.ts';
import { boots, issues } from '../../../collector/db/schema/index.ts';
import { Collector } from '../../../collector/ingest/collector.ts';
import { backends } from '../../helpers/db.ts';
import { fixtureBytes } from '../../helpers/fixtures.ts';

// Crashes shared between variants and repeated within one, a failed exec, a clean boot.
const LOGS: [string, string][] = [
  ['crashes/kasan_uaf_read.log', 'a'],
  ['crashes/hung_task.log', 'a'],
  ['logs/05-net-e1000.log', 'a'],
  ['crashes/kasan_uaf_read.log', 'b'],
  ['logs/02-initrd-no-binfmt.log', 'b'],
  ['crashes/atomic_sleep.log', 'a'],
  ['crashes/hung_task.log', 'c'],
  ['crashes/kasan_uaf_read.log', 'a'],
  ['logs/02-initrd-no-binfmt.log', 'c'],
];

type Row = Record<string, unknown>;

/** Issues, links and summaries keyed by signature (issue ids differ between the two runs). */
async function grouped(db: Database['db']): Promise<{ issues: Row[]; links: Row[]; summary: Row[] }> {
  return {
    issues: await rowsOf<Row>(
      db,
      sql`select signature, kind, title, file, count, first_boot_id, last_boot_id, first_seen_at, last_seen_at
        from issues order by signature`,
    ),
    links: await rowsOf<Row>(
      db,
      sql`select i.signature, l.boot_id, l.variant_id, l.line, l.at
        from issue_boots l join issues i on i.id = l.issue_id order by 1, 2`,
    ),
    summary: await rowsOf<Row>(
      db,
      sql`select i.signature, s.variant_key, s.count, s.first_boot_id, s.last_boot_id, s.first_seen_at, s.last_seen_at
        from issue_variants s join issues i on i.id = s.issue_id order by 1, 2`,
    ),
  };
}

describe.each(backends())('issue grouping in batches on $name', (backend) => {
  beforeAll(() => backend.setup());
  afterAll(() => backend.teardown());

  it('groups a batch of boots as one-by-one grouping does, and once', { timeout: 240_000 }, async () => {
    const database = await backend.fresh();
    const collector = new Collector(database);
    try {
      const ids: number[] = [];
      for (const [i, [file, variant]] of LOGS.entries())
        ids.push(
          (
            await collector.importLog(fixtureBytes(file), {
              variant,
              startedAt: new Date(Date.UTC(2026, 0, 1, 0, i)).toISOString(),
            })
          ).id,
        );
      await collector.settle();
      const oneByOne = await grouped(database.db);
      expect(oneByOne.issues.length).toBeGreaterThanOrEqual(4);
      expect(oneByOne.issues.some((r) => r.count === 3)).toBe(true);
      // Each issue's count and first/last seen are what its links say.
      const [{ wrong }] = await rowsOf<{ wrong: number }>(
        database.db,
        sql`select count(*)::int as wrong from issues i left join (
            select issue_id, count(*)::int as n, (array_agg(boot_id order by at, boot_id))[1] as fb,
              (array_agg(boot_id order by at desc, boot_id desc))[1] as lb, min(at) as fa, max(at) as la
            from issue_boots group by issue_id) l on l.issue_id = i.id
          where (i.count, i.first_boot_id, i.last_boot_id, i.first_seen_at, i.last_seen_at)
            is distinct from (l.n, l.fb, l.lb, l.fa, l.la)`,
      );
      expect(wrong).toBe(0);

      // As a boot stored before issues existed: nothing grouped, then the whole lot at once.
      await database.db.delete(issues);
      await database.db.update(boots).set({ issuesGrouped: false });
      const recorded = await recordIssuesOfBoots(database.db, ids);
      expect([...recorded.keys()]).toEqual(ids);
      expect(await grouped(database.db)).toEqual(oneByOne);
      // Each new issue is the creation of the first boot that showed it.
      const created = [...recorded.values()].flatMap((r) => r.created);
      expect(created.length).toBe(oneByOne.issues.length);
      expect(new Set(created).size).toBe(created.length);
      expect(recorded.get(ids[2])).toEqual({ count: 0, created: [] });
      const [{ n }] = await rowsOf<{ n: number }>(
        database.db,
        sql`select count(*)::int as n from boots where not issues_grouped`,
      );
      expect(n).toBe(0);

      // Again, in two overlapping batches: nothing counted twice.
      await recordIssuesOfBoots(database.db, ids.slice(0, 6));
      await recordIssuesOfBoots(database.db, ids.slice(3));
      expect(await grouped(database.db)).toEqual(oneByOne);
    } finally {
      await collector.settle();
      await database.close();
    }
  });
});
