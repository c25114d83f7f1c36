/** Storage against PGlite and a real PostgreSQL: what goes in through the ingest path comes back out. */
import { sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../../collector/db/client.ts';
import { getBootFacts, getBootSummary, listBoots } from '../../../collector/db/queries/boots.ts';
import { getBuild, getBuildSymbols, listBuilds, sizeDiff } from '../../../collector/db/queries/builds.ts';
import { listConsoleLines, readConsole } from '../../../collector/db/queries/console.ts';
import { listVariantOverviews } from '../../../collector/db/queries/overview.ts';
import { trendSeries } from '../../../collector/db/queries/trends.ts';
import { rowsOf } from '../../../collector/db/rows.ts';
import { Collector } from '../../../collector/ingest/collector.ts';
import { parseLog } from '../../../collector/parser/index.ts';
import { backends, createTestDb } from '../../helpers/db.ts';
import { fixtureBytes, SEED_LOGS } from '../../helpers/fixtures.ts';
import { awkwardConsole, build } from './samples.ts';

const count = async (db: Database, table: string, bootId?: number) =>
  (
    await rowsOf<{ n: number }>(
      db.db,
      bootId == null
        ? sql`select count(*)::int as n from ${sql.identifier(table)}`
        : sql`select count(*)::int as n from ${sql.identifier(table)} where boot_id = ${bootId}`,
    )
  )[0].n;

describe.each(backends())('storage on $name', (backend) => {
  let database: Database | null = null;
  beforeAll(() => backend.setup());
  afterAll(() => backend.teardown());
  afterEach(async () => {
    await database?.close();
    database = null;
  });

  it('stores an imported log as the parser reads it, with every line, event, initcall and diagnosis', async () => {
    const bytes = fixtureBytes('logs/07-block-initcall-debug.log');
    const seeded = await createTestDb(backend, { logs: [{ bytes, variant: 'block' }] });
    database = seeded.database;
    const id = seeded.bootIds[0];
    const expected = parseLog(bytes);

    const facts = await getBootFacts(database.db, id);
    expect(facts?.result).toEqual(JSON.parse(JSON.stringify(expected)));
    const summary = await getBootSummary(database.db, id);
    expect(summary).toMatchObject({
      variant: 'block',
      target: 'import',
      state: 'finished',
      outcome: expected.outcome,
      kernel: expected.kernel,
      milestones: expected.milestones,
      consoleBytes: bytes.length,
      consoleLines: expected.stats.lines,
    });
    expect(await count(database, 'console_lines', id)).toBe(expected.stats.lines);
    expect(await count(database, 'events', id)).toBe(expected.events.length);
    expect(await count(database, 'initcalls', id)).toBe(expected.initcalls.length);
    expect(expected.initcalls.length).toBeGreaterThan(100);
    const diag = await rowsOf<{ option: string }>(
      database.db,
      sql`select option from diagnoses where boot_id = ${id} order by rank`,
    );
    expect(diag.map((d) => d.option)).toEqual(expected.diagnosis.map((d) => d.option));
    expect(Buffer.compare(await readConsole(database.db, id), bytes)).toBe(0);
  });

  it('keeps crashes and diagnosis of a panicking boot as rows to query', async () => {
    const bytes = fixtureBytes('logs/02-initrd-no-binfmt.log');
    const seeded = await createTestDb(backend, { logs: [{ bytes }, { bytes }] });
    database = seeded.database;
    const expected = parseLog(bytes);
    expect(expected.crashes.length).toBeGreaterThan(0);
    const byTitle = await rowsOf<{ title: string; boots: number }>(
      database.db,
      sql`select title, count(distinct boot_id)::int as boots from crashes group by title order by title`,
    );
    expect(byTitle).toEqual(
      [...new Set(expected.crashes.map((c) => c.title))].sort().map((title) => ({ title, boots: 2 })),
    );
    const summary = await getBootSummary(database.db, seeded.bootIds[1]);
    expect(summary?.firstCrash).toBe(expected.crashes[0].title);
    expect(summary?.topDiagnosis?.option).toBe(expected.diagnosis[0].option);
    expect(summary?.panic).toEqual(expected.panic);
  });

  it('round-trips any console bytes exactly: invalid UTF-8, NULs, escapes, a multi-megabyte line', async () => {
    const bytes = awkwardConsole();
    const seeded = await createTestDb(backend, { logs: [{ bytes }] });
    database = seeded.database;
    const id = seeded.bootIds[0];
    const back = await readConsole(database.db, id);
    expect(back.length).toBe(bytes.length);
    expect(Buffer.compare(back, bytes)).toBe(0);
    const expected = parseLog(bytes);
    expect(await count(database, 'console_lines', id)).toBe(expected.stats.lines);
    const lines = await listConsoleLines(database.db, id, 1, 100_000);
    expect(lines.map((l) => l.line)).toEqual(Array.from({ length: expected.stats.lines }, (_, i) => i + 1));
    expect(lines.some((l) => l.text.includes('\u0000'))).toBe(false);
    expect(lines.find((l) => l.text.includes('after the long line'))).toBeDefined();
  });

  it('stores builds with a deduplicated .config and compact symbol sizes, and diffs them', async () => {
    const first = build('seed-01', { config: 'CONFIG_A=y\n', symbols: { foo: 100, bar: 40, gone: 8 } });
    const second = build('seed-01', {
      config: 'CONFIG_A=y\n',
      symbols: { foo: 120, bar: 40, added: 16 },
      startedAt: '2026-01-02T00:00:00Z',
    });
    const seeded = await createTestDb(backend, { builds: [first, second] });
    database = seeded.database;
    const [a, b] = seeded.buildIds;
    expect(await count(database, 'configs')).toBe(1);
    const detail = await getBuild(database.db, b);
    expect(detail).toMatchObject({
      variant: 'seed-01',
      config: 'CONFIG_A=y\n',
      fragments: second.fragments,
      dropped: second.dropped,
      warnings: second.warnings,
      sizes: second.sizes,
      symbolCount: 3,
      hasSystemMap: true,
    });
    expect(detail?.configHash).toBe((await getBuild(database.db, a))?.configHash);
    expect(await getBuildSymbols(database.db, a)).toEqual(
      [...first.symbols!].sort((x, y) => (x.name < y.name ? -1 : 1)),
    );
    const diff = await sizeDiff(database.db, b, a);
    expect(diff).toMatchObject({ added: 1, removed: 1, grown: 1, shrunk: 0 });
    expect(diff?.total.delta).toBe(120 + 40 + 16 - (100 + 40 + 8));
    expect(diff?.symbols.map((s) => [s.name, s.delta])).toEqual([
      ['foo', 20],
      ['added', 16],
      ['gone', -8],
    ]);
    expect((await listBuilds(database.db, { limit: 10 })).map((x) => x.id)).toEqual([b, a]);
  });

  it('returns the same boot for the same idempotency key', async () => {
    database = (await createTestDb(backend)).database;
    const c = new Collector(database);
    const one = await c.startBoot({ target: 'qemu', variant: 'v', idempotencyKey: 'run-1/v' });
    const again = await c.startBoot({ target: 'qemu', variant: 'v', idempotencyKey: 'run-1/v' });
    const other = await c.startBoot({ target: 'qemu', variant: 'v', idempotencyKey: 'run-2/v' });
    expect(one).toEqual({ id: one.id, created: true });
    expect(again).toEqual({ id: one.id, created: false });
    expect(other.id).not.toBe(one.id);
    expect(await count(database, 'boots')).toBe(2);
  });

  it('lists boots newest first with filters and a cursor', async () => {
    const logs = SEED_LOGS.map((f, i) => ({ bytes: fixtureBytes(f), variant: i % 2 ? 'odd' : 'even' }));
    const seeded = await createTestDb(backend, { logs });
    database = seeded.database;
    const ids = seeded.bootIds;
    const all = await listBoots(database.db, { limit: 100 });
    expect(all.map((b) => b.id)).toEqual([...ids].reverse());
    const odd = await listBoots(database.db, { limit: 100, variant: ['odd'] });
    expect(odd.map((b) => b.id)).toEqual([ids[3], ids[1]]);
    const page2 = await listBoots(database.db, { limit: 2, before: all[1].id });
    expect(page2.map((b) => b.id)).toEqual([all[2].id, all[3].id]);
    const newer = await listBoots(database.db, { limit: 100, after: ids[2] });
    expect(newer.map((b) => b.id)).toEqual([ids[4], ids[3]]);
    const panics = await listBoots(database.db, { limit: 100, outcome: ['panic'] });
    const expectedPanics = logs.filter((l) => parseLog(l.bytes).outcome === 'panic').length;
    expect(panics).toHaveLength(expectedPanics);
  });

  it('answers variant overviews and trends from builds and their boots', async () => {
    const db = (await createTestDb(backend)).database;
    database = db;
    const c = new Collector(db);
    const b1 = await c.recordBuild(
      build('net', { sizes: { image: 1000 }, startedAt: '2026-01-01T00:00:00Z' }),
    );
    const b2 = await c.recordBuild(
      build('net', { sizes: { image: 1300 }, startedAt: '2026-01-02T00:00:00Z' }),
    );
    const log = fixtureBytes('logs/05-net-e1000.log');
    const boot = await c.importLog(log, { buildId: b2 });
    const [overview] = await listVariantOverviews(db.db);
    const parsed = parseLog(log);
    expect(overview).toMatchObject({
      name: 'net',
      buildCount: 2,
      bootCount: 1,
      latestBuild: { id: b2, imageSize: 1300, imageSizeDelta: 300, previousBuildId: b1 },
      latestBoot: { id: boot.id, outcome: parsed.outcome, timeToInit: parsed.milestones.init_start },
    });
    const variantId = async () => (await rowsOf<{ id: number }>(db.db, sql`select id from variants`))[0].id;
    const [size, init] = await trendSeries(db.db, {
      variants: [{ id: await variantId(), name: 'net' }],
      metrics: ['size.image', 'boot.init_start'],
      limit: 100,
    });
    expect(size.points.map((p) => [p.seq, p.buildId, p.value, p.outcome])).toEqual([
      [1, b1, 1000, null],
      [2, b2, 1300, parsed.outcome],
    ]);
    expect(init.points.map((p) => [p.bootId, p.value])).toEqual([[boot.id, parsed.milestones.init_start]]);
    // Times as every answer gives them: a build's given start, a boot's stored to the microsecond.
    expect(size.points.map((p) => [p.at, p.buildStatus])).toEqual([
      ['2026-01-01T00:00:00.000Z', 'PASS'],
      ['2026-01-02T00:00:00.000Z', 'PASS'],
    ]);
    expect(init.points[0].at).toBe((await getBootSummary(db.db, boot.id))?.startedAt);
    // The latest points only, each keeping its place in the whole history; metrics read together.
    const [image, wall] = await trendSeries(db.db, {
      variants: [{ id: await variantId(), name: 'net' }],
      metrics: ['size.image', 'build.wall'],
      limit: 1,
    });
    expect([image.metric, wall.metric]).toEqual(['size.image', 'build.wall']);
    expect([image.points, wall.points].map((ps) => ps.map((p) => [p.seq, p.buildId, p.value]))).toEqual([
      [[2, b2, 1300]],
      [[2, b2, 80_000]],
    ]);
  });
});
