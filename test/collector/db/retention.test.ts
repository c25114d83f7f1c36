/**
 * `db prune` on real data, PGlite and PostgreSQL: old boots and builds go with their events
 * and consoles; pinned baselines, open regressions', issues', bisections' and climbs' boots, running
 * boots and builds still in use stay; --keep-baselines keeps each variant's last good boot.
 */
import { sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { initialClimbState } from '../../../collector/analysis/climb.ts';
import type { Database } from '../../../collector/db/client.ts';
import { variantIdByName } from '../../../collector/db/queries/catalog.ts';
import { pinBaseline } from '../../../collector/db/queries/regressions.ts';
import { pruneHistory } from '../../../collector/db/queries/retention.ts';
import { rowsOf } from '../../../collector/db/rows.ts';
import { Collector } from '../../../collector/ingest/collector.ts';
import type { BisectStep } from '../../../common/schemas/bisections.ts';
import { backends } from '../../helpers/db.ts';
import { fixtureBytes } from '../../helpers/fixtures.ts';
import { build } from './samples.ts';

const CLEAN = fixtureBytes('logs/05-net-e1000.log');
const PANIC = fixtureBytes('logs/01-serial-no-initrd.log');
const old = (day: number) => `2025-01-${String(day).padStart(2, '0')}T00:00:00Z`;
const NINETY_DAYS_AGO = new Date(Date.now() - 90 * 86_400_000);

const countWhere = async (db: Database, table: string, ids: number[], column = 'boot_id') =>
  (
    await rowsOf<{ n: number }>(
      db.db,
      sql`select count(*)::int as n from ${sql.identifier(table)} where ${sql.identifier(column)} = any(${sql.param(ids)}::int[])`,
    )
  )[0].n;

/** A history with something of every kind that must stay or go. */
async function history(database: Database) {
  const c = new Collector(database);
  const imp = async (bytes: Buffer, variant: string, startedAt: string, buildId?: number) =>
    (await c.importLog(bytes, { variant, startedAt, buildId })).id;

  const buildGone = await c.recordBuild(build('net', { startedAt: old(1) }));
  const buildOfRemoved = await c.recordBuild(build('net', { startedAt: old(2) }));
  const buildKept = await c.recordBuild(build('net', { startedAt: old(3) }));
  const bisBuild = await c.recordBuild(build('bis', { startedAt: old(4) }));
  const climbBuild = await c.recordBuild(build('climb', { startedAt: old(4) }));

  const netOld = await imp(CLEAN, 'net', old(5), buildOfRemoved);
  const netPinned = await imp(CLEAN, 'net', old(6));
  const netNew = await imp(CLEAN, 'net', new Date().toISOString(), buildKept);
  const lonelyOld = await imp(CLEAN, 'lonely', old(7));
  const panicOld = await imp(PANIC, 'panicky', old(8));
  const regOld = await imp(CLEAN, 'reg', old(9));
  const regFixedOld = await imp(CLEAN, 'reg2', old(10));
  const bisOld = await imp(CLEAN, 'bis', old(11));
  const climbOld = await imp(CLEAN, 'climb~climb', old(11));
  const { id: running } = await c.startBoot({ target: 'qemu', variant: 'net', startedAt: old(12) });
  await c.console.append(running, 0, CLEAN.subarray(0, 4096));
  await c.settle();

  const db = database.db;
  await pinBaseline(db, (await variantIdByName(db, 'net'))!, netPinned, 'known good');
  const reg = (await variantIdByName(db, 'reg'))!;
  await db.execute(sql`insert into regressions (variant_id, key, kind, severity, title, status, boot_id)
    values (${reg}, 'outcome', 'outcome', 'high', 'stopped booting', 'open', ${regOld})`);
  const reg2 = (await variantIdByName(db, 'reg2'))!;
  await db.execute(sql`insert into regressions (variant_id, key, kind, severity, title, status, boot_id, fixed_boot_id)
    values (${reg2}, 'outcome', 'outcome', 'high', 'stopped booting', 'fixed', ${regFixedOld}, ${regFixedOld})`);
  const step: BisectStep = {
    n: 1,
    phase: 'endpoint',
    tried: [],
    hash: 'abc',
    distance: 0,
    verdict: 'good',
    outcome: 'booted',
    built: true,
    buildId: bisBuild,
    bootId: bisOld,
  };
  await c.recordBisection('bis-key', {
    variant: 'bis',
    good: 'a',
    bad: 'b',
    status: 'running',
    builds: 1,
    maxBuilds: 10,
    state: { version: 1, steps: [step], builds: 1 },
    report: null,
    error: null,
    agent: null,
  });
  const climbing = initialClimbState(['marker'], 10);
  climbing.builds = 1;
  climbing.attempts.push({
    n: 1,
    phase: 'start',
    option: null,
    with: [],
    symptom: null,
    verdict: 'start',
    reason: 'the kernel as given',
    outcome: 'booted',
    lastStage: 'userspace',
    imageBytes: null,
    sizeAdded: null,
    builds: 1,
    buildId: climbBuild,
    bootId: climbOld,
  });
  await c.recordClimb('climb-key', { matrix: 'm', variant: 'climb', status: 'running', state: climbing });
  return {
    climbBuild,
    climbOld,
    buildGone,
    buildOfRemoved,
    buildKept,
    bisBuild,
    netOld,
    netPinned,
    netNew,
    lonelyOld,
    panicOld,
    regOld,
    regFixedOld,
    bisOld,
    running,
  };
}

describe.each(backends())('db prune on $name', (backend) => {
  let database: Database | null = null;
  beforeAll(() => backend.setup());
  afterAll(() => backend.teardown());
  afterEach(async () => {
    await database?.close();
    database = null;
  });

  it('removes old boots and builds with their rows, never what history points to', async () => {
    database = await backend.fresh();
    const h = await history(database);
    const removed = [h.netOld, h.lonelyOld, h.regFixedOld];
    const keptBoots = {
      [h.netPinned]: 'pinned_baseline',
      [h.panicOld]: 'issue',
      [h.regOld]: 'open_regression',
      [h.bisOld]: 'bisection',
      [h.climbOld]: 'climb',
    };
    const eventsOfRemoved = await countWhere(database, 'events', removed);
    expect(eventsOfRemoved).toBeGreaterThan(0);
    const keptIds = [h.netPinned, h.panicOld, h.regOld, h.bisOld, h.climbOld, h.netNew, h.running];
    const eventsOfKept = await countWhere(database, 'events', keptIds);

    const dry = await pruneHistory(database.db, {
      cutoff: NINETY_DAYS_AGO,
      keepBaselines: false,
      dryRun: true,
    });
    expect(dry).toMatchObject({
      dryRun: true,
      boots: removed,
      builds: [h.buildGone, h.buildOfRemoved],
      events: eventsOfRemoved,
      keptBoots,
      keptBuilds: { [h.buildKept]: 'kept_boot', [h.bisBuild]: 'bisection', [h.climbBuild]: 'climb' },
    });
    expect(dry.consoleBytes).toBeGreaterThan(0);
    expect(await countWhere(database, 'boots', removed, 'id')).toBe(3);

    const done = await pruneHistory(database.db, {
      cutoff: NINETY_DAYS_AGO,
      keepBaselines: false,
      dryRun: false,
    });
    expect({ ...done, dryRun: true }).toEqual(dry);
    expect(await countWhere(database, 'boots', removed, 'id')).toBe(0);
    for (const table of ['events', 'console_chunks', 'console_lines', 'initcalls', 'issue_boots'])
      expect(await countWhere(database, table, removed)).toBe(0);
    expect(await countWhere(database, 'builds', [h.buildGone, h.buildOfRemoved], 'id')).toBe(0);
    expect(await countWhere(database, 'boots', keptIds, 'id')).toBe(keptIds.length);
    expect(await countWhere(database, 'events', keptIds)).toBe(eventsOfKept);
    expect(await countWhere(database, 'builds', [h.buildKept, h.bisBuild, h.climbBuild], 'id')).toBe(3);
    // The pin, the open regression and the issue still point at their boots.
    expect(await countWhere(database, 'variant_baselines', [h.netPinned])).toBe(1);
    expect(await countWhere(database, 'regressions', [h.regOld])).toBe(1);
    expect(await countWhere(database, 'issues', [h.panicOld], 'first_boot_id')).toBeGreaterThan(0);

    const again = await pruneHistory(database.db, {
      cutoff: NINETY_DAYS_AGO,
      keepBaselines: false,
      dryRun: false,
    });
    expect(again).toMatchObject({ boots: [], builds: [], events: 0, consoleBytes: 0, keptBoots });
  });

  it("--keep-baselines keeps each variant's last good boot and last passing build, however old", async () => {
    database = await backend.fresh();
    const h = await history(database);
    const r = await pruneHistory(database.db, { cutoff: NINETY_DAYS_AGO, keepBaselines: true, dryRun: true });
    // lonely's and reg2's only boots are their baselines; net's is its newer boot, so its old one still goes.
    expect(r.keptBoots[h.lonelyOld]).toBe('baseline');
    expect(r.keptBoots[h.regFixedOld]).toBe('baseline');
    expect(r.boots).toEqual([h.netOld]);
    // net's newest passing build is in use anyway; bis's and climb's only builds are their baselines.
    expect(r.keptBuilds).toEqual({
      [h.buildKept]: 'kept_boot',
      [h.bisBuild]: 'baseline',
      [h.climbBuild]: 'baseline',
    });
  });
});
