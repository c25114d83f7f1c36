/**
 * The summary tables on PGlite and PostgreSQL agree with the raw rows they summarise after
 * every kind of write: builds and imported boots (out of time order too), a streamed boot
 * that finishes, a re-import under the same key, a boot moved to another variant, and
 * deletes of boots, builds and a whole variant (what `db prune` and cascades do).
 */
import { sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../../collector/db/client.ts';
import type { App } from '../../../collector/server/types.ts';
import type { VariantOverview } from '../../../common/types/api.ts';
import { appOn } from '../../helpers/collector-app.ts';
import { backends } from '../../helpers/db.ts';
import { fixtureBytes } from '../../helpers/fixtures.ts';

const CLEAN = 'logs/05-net-e1000.log';
const CRASH = 'crashes/kasan_uaf_read.log';
const NO_EXEC = 'logs/02-initrd-no-binfmt.log';

type Row = Record<string, unknown>;

describe.each(backends())('summary tables on $name', (backend) => {
  let database: Database;
  let app: App;
  beforeAll(() => backend.setup());
  afterAll(() => backend.teardown());
  afterEach(async () => {
    await app?.close();
    await database?.close();
  });

  const rows = async (query: ReturnType<typeof sql>): Promise<Row[]> =>
    ((await database.db.execute(query)) as unknown as { rows: Row[] }).rows;

  /** The summaries as stored next to the same figures computed from the raw rows now. */
  async function agree(): Promise<number> {
    const stored = await rows(sql`select variant_id, build_count, boot_count, latest_build_id, latest_boot_id
      from variant_summaries order by variant_id`);
    const fresh = await rows(sql`select v.id as variant_id,
        (select count(*)::int from builds where variant_id = v.id) as build_count,
        (select count(*)::int from boots where variant_id = v.id) as boot_count,
        (select id from builds where variant_id = v.id order by started_at desc, id desc limit 1) as latest_build_id,
        (select id from boots where variant_id = v.id order by started_at desc, id desc limit 1) as latest_boot_id
      from variants v
      where exists (select 1 from builds where variant_id = v.id) or exists (select 1 from boots where variant_id = v.id)
      order by v.id`);
    expect(stored.filter((r) => r.build_count !== 0 || r.boot_count !== 0)).toEqual(fresh);
    const issueStored = await rows(sql`select issue_id, variant_key, count, first_boot_id, last_boot_id,
        first_seen_at, last_seen_at from issue_variants order by issue_id, variant_key`);
    const issueFresh =
      await rows(sql`select issue_id, coalesce(variant_id, 0) as variant_key, count(*)::int as count,
        (array_agg(boot_id order by at, boot_id))[1] as first_boot_id,
        (array_agg(boot_id order by at desc, boot_id desc))[1] as last_boot_id,
        min(at) as first_seen_at, max(at) as last_seen_at
      from issue_boots group by issue_id, coalesce(variant_id, 0) order by 1, 2`);
    expect(issueStored).toEqual(issueFresh);
    return issueFresh.length;
  }

  async function importLog(
    file: string,
    variant: string,
    q: { buildId?: number; key?: string } = {},
  ): Promise<number> {
    const r = await app.inject({
      method: 'POST',
      url: `/api/logs?variant=${variant}${q.buildId ? `&buildId=${q.buildId}` : ''}`,
      headers: { 'content-type': 'application/octet-stream', ...(q.key ? { 'idempotency-key': q.key } : {}) },
      payload: Buffer.from(fixtureBytes(file)),
    });
    expect(r.statusCode, r.body).toBeLessThan(300);
    await app.collector.settle();
    return r.json().id;
  }

  async function overview(): Promise<Map<string, VariantOverview>> {
    const r = await app.inject({ method: 'GET', url: '/api/variants' });
    expect(r.statusCode, r.body).toBe(200);
    return new Map((r.json() as VariantOverview[]).map((v) => [v.name, v]));
  }

  it('agree with the raw rows after inserts, finishes, re-imports, moves and deletes', {
    timeout: 240_000,
  }, async () => {
    database = await backend.fresh();
    app = await appOn(database);
    const build = (variant: string, minute: number) =>
      app.collector.recordBuild({
        variant,
        status: 'PASS',
        startedAt: new Date(Date.UTC(2026, 0, 1, 0, minute)).toISOString(),
        sizes: { image: 1_000_000 + minute },
      });
    const a1 = await build('a', 1);
    const a2 = await build('a', 2);
    // Recorded later but older: the latest build stays a2.
    await build('a', 0);
    const b1 = await build('b', 5);
    await agree();

    const clean = await importLog(CLEAN, 'a', { buildId: a1 });
    const crash = await importLog(CRASH, 'a', { buildId: a2 });
    const inB = await importLog(CRASH, 'b', { buildId: b1 });
    const noExec = await importLog(NO_EXEC, 'c');
    // The crash in two variants and the failed exec: three issue/variant pairs at least.
    expect(await agree()).toBeGreaterThanOrEqual(3);
    let o = await overview();
    expect(o.get('a')).toMatchObject({ buildCount: 3, bootCount: 2, latestBuild: { id: a2 } });
    expect(o.get('a')?.latestBoot?.id).toBe(crash);
    expect(o.get('b')).toMatchObject({ buildCount: 1, bootCount: 1, latestBoot: { id: inB } });
    expect(o.get('c')).toMatchObject({
      buildCount: 0,
      bootCount: 1,
      latestBuild: null,
      latestBoot: { id: noExec },
    });

    // An older boot imported now is counted but is not the latest.
    await app.collector.importLog(fixtureBytes(CLEAN), {
      variant: 'a',
      startedAt: '2025-06-01T00:00:00.000Z',
    });
    // The same key again: the same boot, counted once.
    const keyed = await importLog(CRASH, 'b', { key: 'same-log' });
    expect(await importLog(CRASH, 'b', { key: 'same-log' })).toBe(keyed);
    await agree();

    // A streamed boot: the latest while it runs, and still after it finishes.
    const { id: live } = await app.collector.startBoot({ target: 'qemu', variant: 'b' });
    o = await overview();
    expect(o.get('b')?.latestBoot).toMatchObject({ id: live, state: 'running' });
    const log = fixtureBytes(CRASH);
    await app.collector.console.append(live, 0, log);
    await app.collector.console.finish(live, { endReason: 'marker', consoleBytes: log.length });
    await app.collector.settle();
    o = await overview();
    expect(o.get('b')).toMatchObject({ bootCount: 3, latestBoot: { id: live, state: 'finished' } });
    await agree();

    // A boot moved to another variant and back in time.
    await database.db.execute(
      sql`update boots set variant_id = (select id from variants where name = 'c'), started_at = '2020-01-01' where id = ${clean}`,
    );
    await agree();

    // Deletes as a prune does them: one boot, several at once, a build, then a whole variant.
    await database.db.execute(sql`delete from boots where id = ${live}`);
    o = await overview();
    expect(o.get('b')).toMatchObject({ bootCount: 2, latestBoot: { id: keyed } });
    await agree();
    await database.db.execute(sql`delete from boots where id in (${crash}, ${noExec})`);
    await database.db.execute(sql`delete from builds where id = ${a2}`);
    await agree();
    o = await overview();
    expect(o.get('a')).toMatchObject({ buildCount: 2, latestBuild: { id: a1 } });
    await database.db.execute(sql`delete from variants where name = 'b'`);
    await agree();
    expect((await overview()).has('b')).toBe(false);
    expect(
      await rows(sql`select 1 from issue_variants where issue_id not in (select id from issues)`),
    ).toEqual([]);
  });
});
