/**
 * The boot list on PGlite and PostgreSQL answers what its definition says — newest first by
 * (started_at, id), filtered, paged by a cursor boot — for one variant, several, none, with ties
 * in time and a variant whose boots are all old: each case against the same list made in JS.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../../collector/db/client.ts';
import { type BootListParams, listBoots } from '../../../collector/db/queries/boots.ts';
import { rowsOf } from '../../../collector/db/rows.ts';
import { backends } from '../../helpers/db.ts';

interface Boot {
  id: number;
  variant: string | null;
  outcome: string;
  state: string;
  at: number;
}

describe.each(backends())('boot list on $name', (backend) => {
  let database: Database;
  let all: Boot[];
  beforeAll(async () => {
    await backend.setup();
    database = await backend.fresh();
    const db = database.db;
    await db.execute(
      sql`insert into variants (name, base_config) values ('a', 'x'), ('b', 'x'), ('old', 'x')`,
    );
    // 60 boots over a, b and none, some starting at the same instant; 'old' boots only at the start.
    await db.execute(sql`
      insert into boots (variant_id, target, state, outcome, started_at)
      select case when g <= 4 then 3 when g % 3 = 0 then null else 1 + g % 2 end, 'qemu',
        case when g % 11 = 0 then 'running' else 'finished' end,
        case when g % 11 = 0 then null when g % 4 = 0 then 'panic' else 'booted' end,
        timestamptz '2026-01-01' + make_interval(mins => g / 3)
      from generate_series(1, 60) g`);
    all = (
      await rowsOf<Boot & { at: Date | string }>(
        db,
        sql`select b.id, v.name as variant, coalesce(b.outcome, '') as outcome, b.state, b.started_at as at
          from boots b left join variants v on v.id = b.variant_id`,
      )
    ).map((r) => ({ ...r, at: new Date(r.at).getTime() }));
  });
  afterAll(async () => {
    await database?.close();
    await backend.teardown();
  });

  /** The list by its definition. */
  function expected(p: BootListParams): number[] {
    const newest = (x: Boot, y: Boot) => y.at - x.at || y.id - x.id;
    const at = (id: number) => all.find((b) => b.id === id)!;
    return all
      .filter(
        (b) =>
          (!p.variant || (b.variant != null && p.variant.includes(b.variant))) &&
          (!p.outcome || p.outcome.includes(b.outcome as never)) &&
          (!p.state || b.state === p.state) &&
          (!p.before || newest(at(p.before), b) < 0) &&
          (!p.after || newest(at(p.after), b) > 0),
      )
      .sort(newest)
      .slice(0, p.limit)
      .map((b) => b.id);
  }

  it('lists by variant, outcome, state and cursor as defined', async () => {
    const ids = all.map((b) => b.id).sort((x, y) => x - y);
    const cursors = [undefined, ids[2], ids[10], ids[31], ids[45], ids[59]];
    let cases = 0;
    for (const variant of [undefined, ['a'], ['old'], ['a', 'b'], ['a', 'old'], ['nope']])
      for (const outcome of [undefined, ['panic' as const]])
        for (const state of [undefined, 'finished' as const])
          for (const cursor of cursors)
            for (const dir of ['before', 'after'] as const)
              for (const limit of [1, 7, 100]) {
                const p: BootListParams = { limit, variant, outcome, state, [dir]: cursor };
                const got = (await listBoots(database.db, p)).map((b) => b.id);
                expect(got, JSON.stringify(p)).toEqual(expected(p));
                if (got.length) cases++;
              }
    // Not an empty answer every time: the cases reach real rows.
    expect(cases).toBeGreaterThan(300);
  });
});
