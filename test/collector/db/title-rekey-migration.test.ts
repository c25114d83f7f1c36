/**
 * Migration 0022 on PGlite and PostgreSQL: a database that an older collector filled with
 * crash titles as they were before syzkaller's sanitizing (double spaces, no 120-byte cut)
 * comes out with the new titles everywhere they are stored or keyed, one issue per bug with
 * every boot counted once, and the upgraded collector keeps adding to that issue.
 */
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Database, MIGRATIONS_DIR } from '../../../collector/db/client.ts';
import { recordIssuesOfBoots } from '../../../collector/db/queries/issue-grouping.ts';
import { listIssues } from '../../../collector/db/queries/issues.ts';
import { rowsOf } from '../../../collector/db/rows.ts';
import { Collector } from '../../../collector/ingest/collector.ts';
import { crashSignature } from '../../../collector/parser/crash-title.ts';
import { sanitizeTitle } from '../../../collector/parser/sanitize-title.ts';
import type { ParseResult } from '../../../common/types/parse.ts';
import { backends } from '../../helpers/db.ts';
import { fixtureBytes } from '../../helpers/fixtures.ts';
import { emptyDatabase, migrate, migrationsBefore } from '../../helpers/migrations.ts';

const TAG = '0022_crash_title_sanitized';
const LOG = fixtureBytes('logs/02-initrd-no-binfmt.log');
/** What the parser titles this panic now, and what bootwatch stored before. */
const NEW =
  'kernel panic: No working init found. Try passing init= option to kernel. See Linux Documentation/admin-guide/init.rst f';
const OLD_A =
  'kernel panic: No working init found.  Try passing init= option to kernel. See Linux Documentation/admin-guide/init.rst for guidance.';
// Another kernel's wording that differs only past the cut: a second issue before, the same one now.
const OLD_B = OLD_A.replace('for guidance.', 'for details.');
const at = (minute: number) => new Date(Date.UTC(2026, 0, 1, 9, minute));

type Row = Record<string, unknown>;

/** Rewrites a stored boot's crashes to the titles (and signatures) an older collector gave them. */
async function storeOldTitles(db: Database['db'], bootId: number, titles: string[]): Promise<void> {
  const [{ result }] = await rowsOf<{ result: ParseResult }>(
    db,
    sql`select result from boots where id = ${bootId}`,
  );
  const [panic] = result.crashes;
  const crashes = titles.map((title, i) => ({
    ...panic,
    title,
    line: panic.line + i,
    signature: crashSignature(panic.kind, title),
  }));
  await db.execute(sql`update boots set first_crash = ${titles[0]},
    result = jsonb_set(result, '{crashes}', ${JSON.stringify(crashes)}::jsonb) where id = ${bootId}`);
  await db.execute(sql`update crashes set title = ${titles[0]} where boot_id = ${bootId} and seq = 0`);
  for (const [i, title] of titles.entries())
    if (i > 0)
      await db.execute(sql`insert into crashes (boot_id, seq, kind, title, line, end_line, fatal)
        select boot_id, ${i}, kind, ${title}, line + ${i}, end_line, false from crashes
        where boot_id = ${bootId} and seq = 0`);
}

/** Titles that exercise every part of both rules. */
const TRICKY = [
  OLD_A,
  'WARNING in foo.isra.12+0x1/0x2',
  'BUG: KASAN: slab-out-of-bounds in f at addr ffff88003a7b1c00 size 123',
  'x\ty  z',
  '  lead',
  'trail  ',
  `${'é'.repeat(70)}abc`,
  `${'x'.repeat(119)}éyz`,
  `${'x'.repeat(117)}€yz`,
  `${'x'.repeat(115)}😀ab`,
  'a\u0001b\u007fc',
  'mount “/dev/vda” — failed 12',
  '0X1F and 0xdeadbeef and DEADBEEF12 and deadbeef12 cpu 3, -5 1,2,3 a1 1a _1',
  'BUG: soft lockup - CPU#0 stuck for 22s! [swapper/0:1]',
  'A'.repeat(200),
  `${' '.repeat(10)}${'x'.repeat(200)}`,
  'x \u00a0 y 12\u00a0 13',
  'abc\u00e912 x',
];

describe.each(backends())('migration 0022 re-keys stored crash titles on $name', (backend) => {
  beforeAll(() => backend.setup());
  afterAll(() => backend.teardown());

  it("its SQL copies of sanitizeTitle and crashSignature answer as the parser's", async () => {
    const database = await emptyDatabase(backend);
    try {
      // The migration's own function definitions, before it uses and drops them.
      const text = readFileSync(join(MIGRATIONS_DIR, `${TAG}.sql`), 'utf8');
      for (const stmt of text.split('--> statement-breakpoint').filter((x) => /CREATE FUNCTION/.test(x)))
        await database.db.execute(sql.raw(stmt));
      for (const t of TRICKY) {
        const [row] = await rowsOf<{ title: string; signature: string; dirty: boolean }>(
          database.db,
          sql`select bw_0022_title(${t}) as title, bw_0022_dirty(${t}) as dirty,
            bw_0022_signature('warning', bw_0022_title(${t})) as signature`,
        );
        const title = sanitizeTitle(t);
        expect(row, JSON.stringify(t)).toEqual({
          title,
          dirty: title !== t,
          signature: crashSignature('warning', title),
        });
      }
    } finally {
      await database.close();
    }
  });

  it('one issue per bug, counts and first/last seen right, regressions and alerts re-keyed', {
    timeout: 300_000,
  }, async () => {
    const before = migrationsBefore(TAG);
    const database = await emptyDatabase(backend);
    const collector = new Collector(database);
    const db = database.db;
    try {
      await migrate(database, before);
      // Four boots of one panic: a, a, b, and one in b whose log showed both wordings.
      const ids: number[] = [];
      for (const [i, variant] of ['a', 'a', 'b', 'b'].entries())
        ids.push((await collector.importLog(LOG, { variant, startedAt: at(i + 1).toISOString() })).id);
      await collector.settle();
      await storeOldTitles(db, ids[0], [OLD_A]);
      await storeOldTitles(db, ids[1], [OLD_B]);
      await storeOldTitles(db, ids[2], [OLD_A]);
      await storeOldTitles(db, ids[3], [OLD_A, OLD_B]);
      // Grouped as the older collector grouped them: by the signatures it stored.
      await db.execute(sql`delete from issues`);
      await db.execute(sql`delete from regressions`);
      await db.execute(sql`delete from alerts`);
      await db.execute(sql`update boots set issues_grouped = false`);
      await recordIssuesOfBoots(db, ids);
      // Today's grouping counts by 0026's trigger, which this older schema lacks: count as the older collector did.
      await db.execute(
        sql`update issues i set count = (select count(*)::int from issue_boots l where l.issue_id = i.id)`,
      );
      const old = (await listIssues(db, { limit: 50 })).filter((i) => i.kind === 'panic');
      expect(old.map((i) => [i.title, i.count]).sort()).toEqual([
        [OLD_B, 2],
        [OLD_A, 3],
      ]);
      const issueA = old.find((i) => i.title === OLD_A)!.id;
      const issueB = old.find((i) => i.title === OLD_B)!.id;
      const [{ a, b }] = await rowsOf<{ a: number; b: number }>(
        db,
        sql`select (select id from variants where name = 'a') as a, (select id from variants where name = 'b') as b`,
      );
      const regression = async (variant: number, key: string, title: string, status = 'open') => {
        const [{ id }] = await rowsOf<{ id: number }>(
          db,
          sql`insert into regressions (variant_id, key, kind, severity, title, status, now)
            values (${variant}, ${key}, ${key === 'outcome' ? 'outcome' : 'crash'}, 'high', ${title}, ${status},
              ${JSON.stringify(key === 'outcome' ? 'panic' : title.replace(/^new crash: /, ''))}::jsonb)
            returning id`,
        );
        return id;
      };
      const openA = await regression(a, `crash:${OLD_A}`, `new crash: ${OLD_A}`);
      const openB = await regression(a, `crash:${OLD_B}`, `new crash: ${OLD_B}`);
      const fixedB = await regression(b, `crash:${OLD_B}`, `new crash: ${OLD_B}`, 'fixed');
      const outcome = await regression(b, 'outcome', `outcome booted → panic: ${OLD_A}`);
      await db.execute(sql`insert into alerts (key, kind, title, thread, refs) values
        (${`issue_new:${issueB}:${a}`}, 'issue_new', ${OLD_B}, ${`issue-${issueB}`},
          ${JSON.stringify({ issueId: issueB, regressionId: null, bootId: ids[1], buildId: null, growth: null })}::jsonb),
        (${`regression:${openB}`}, 'regression', ${OLD_B}, ${`regression-${openB}`},
          ${JSON.stringify({ issueId: null, regressionId: openB, bootId: ids[1], buildId: null, growth: null })}::jsonb)`);

      await migrate(database, MIGRATIONS_DIR);

      // One issue: the older one, re-signed, every boot once.
      const panics = (await listIssues(db, { limit: 50 })).filter((i) => i.kind === 'panic');
      expect(panics).toHaveLength(1);
      expect(panics[0]).toMatchObject({
        id: Math.min(issueA, issueB),
        signature: `panic:${NEW}`,
        title: NEW,
        count: 4,
        firstBootId: ids[0],
        lastBootId: ids[3],
        variants: ['a', 'b'],
      });
      expect(new Date(panics[0].firstSeen).getTime()).toBe(at(1).getTime());
      expect(new Date(panics[0].lastSeen).getTime()).toBe(at(4).getTime());
      const links = await rowsOf<Row>(
        db,
        sql`select boot_id, issue_id from issue_boots where issue_id = ${panics[0].id} order by boot_id`,
      );
      expect(links.map((l) => l.boot_id)).toEqual(ids);
      const perVariant = await rowsOf<Row>(
        db,
        sql`select variant_key, count, first_boot_id, last_boot_id from issue_variants
          where issue_id = ${panics[0].id} order by variant_key`,
      );
      expect(perVariant).toEqual([
        { variant_key: a, count: 2, first_boot_id: ids[0], last_boot_id: ids[1] },
        { variant_key: b, count: 2, first_boot_id: ids[2], last_boot_id: ids[3] },
      ]);
      expect(
        await rowsOf<Row>(
          db,
          sql`select count(*)::int as n from issue_variants where issue_id not in (select id from issues)`,
        ),
      ).toEqual([{ n: 0 }]);

      // Every stored title and signature is the new one.
      const stored = await rowsOf<{ first_crash: string; titles: string[]; signatures: string[] }>(
        db,
        sql`select first_crash, (select array_agg(c->>'title') from jsonb_array_elements(result->'crashes') c) as titles,
          (select array_agg(c->>'signature') from jsonb_array_elements(result->'crashes') c) as signatures
          from boots order by id`,
      );
      for (const s of stored) {
        expect(s.first_crash).toBe(NEW);
        expect(new Set(s.titles)).toEqual(new Set([NEW]));
        expect(new Set(s.signatures)).toEqual(new Set([`panic:${NEW}`]));
      }
      expect(await rowsOf<Row>(db, sql`select distinct title from crashes`)).toEqual([{ title: NEW }]);

      // Regressions: the two open ones of a are one, the oldest; the fixed one and the outcome's title follow.
      const regs = await rowsOf<Row>(
        db,
        sql`select id, variant_id, key, title, status, now from regressions order by id`,
      );
      expect(regs).toEqual([
        {
          id: openA,
          variant_id: a,
          key: `crash:${NEW}`,
          title: `new crash: ${NEW}`,
          status: 'open',
          now: NEW,
        },
        {
          id: fixedB,
          variant_id: b,
          key: `crash:${NEW}`,
          title: `new crash: ${NEW}`,
          status: 'fixed',
          now: NEW,
        },
        {
          id: outcome,
          variant_id: b,
          key: 'outcome',
          title: `outcome booted → panic: ${NEW}`,
          status: 'open',
          now: 'panic',
        },
      ]);
      const refs = await rowsOf<{ key: string; refs: Row }>(
        db,
        sql`select key, refs from alerts order by id`,
      );
      expect(refs.map((r) => [r.refs.issueId, r.refs.regressionId])).toEqual([
        [panics[0].id, null],
        [null, openA],
      ]);

      // The upgraded collector's next boot of this panic joins the same issue.
      const next = await collector.importLog(LOG, { variant: 'a', startedAt: at(5).toISOString() });
      await collector.settle();
      const after = (await listIssues(db, { limit: 50 })).filter((i) => i.kind === 'panic');
      expect(after.map((i) => [i.id, i.count, i.lastBootId])).toEqual([[panics[0].id, 5, next.id]]);
    } finally {
      await collector.settle();
      await database.close();
      rmSync(before, { recursive: true, force: true });
    }
  });
});
