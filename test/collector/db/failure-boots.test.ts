/**
 * The failures page reads only the events its grouping can use (a boot's first failed probe
 * per key; errors only of failed boots no panic reason names): on PGlite and PostgreSQL the
 * groups are the very groups made from every event of every boot.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { groupFailures } from '../../../collector/analysis/failures.ts';
import type { Database } from '../../../collector/db/client.ts';
import { loadFailureBoots } from '../../../collector/db/queries/runs.ts';
import { jsonValue, rowsOf } from '../../../collector/db/rows.ts';
import { Collector } from '../../../collector/ingest/collector.ts';
import type { BootEvent } from '../../../common/types/parse.ts';
import { backends } from '../../helpers/db.ts';
import { fixtureBytes } from '../../helpers/fixtures.ts';

const lines = (file: string) => new TextDecoder().decode(fixtureBytes(file)).split('\n');

/** Failed probes: the same key twice (e1000, EIO), another errno, another driver. */
const PROBES = [
  '[    0.500001] e1000: probe of 0000:00:03.0 failed with error -5',
  '[    0.500002] e1000: probe of 0000:00:04.0 failed with error -5',
  '[    0.500003] e1000: probe of 0000:00:05.0 failed with error -12',
  '[    0.500004] ahci: probe of 0000:00:1f.2 failed with error -5',
];

/** A log with `extra` lines spliced in before line `at` (1-based). */
function spliced(file: string, at: number, extra: string[], cut?: number): Uint8Array {
  const all = lines(file).slice(0, cut);
  return new TextEncoder().encode([...all.slice(0, at - 1), ...extra, ...all.slice(at - 1)].join('\n'));
}

describe.each(backends())('failure boots on $name', (backend) => {
  let database: Database;
  beforeAll(async () => {
    await backend.setup();
    database = await backend.fresh();
    const c = new Collector(database);
    const logs: [string, Uint8Array][] = [
      // Booted, with failed probes.
      ['a', spliced('logs/05-net-e1000.log', 130, PROBES)],
      // Panicked (a panic reason names it), with failed probes and errors.
      ['a', spliced('logs/02-initrd-no-binfmt.log', 80, PROBES)],
      // Cut before its panic: stalled, named by its first error.
      ['b', spliced('logs/02-initrd-no-binfmt.log', 80, PROBES.slice(1), 81)],
      ['b', fixtureBytes('logs/05-net-e1000.log')],
      ['c', fixtureBytes('logs/01-serial-no-initrd.log')],
    ];
    for (const [variant, bytes] of logs) await c.importLog(bytes, { variant });
    await c.settle();
  });
  afterAll(async () => {
    await database?.close();
    await backend.teardown();
  });

  it('groups as every event would', async () => {
    const read = await loadFailureBoots(database.db, { limit: 100 });
    const events = await rowsOf<{ boot_id: number; data: BootEvent | string }>(
      database.db,
      sql`select boot_id, data from events order by boot_id, seq`,
    );
    const every = read.map((b) => ({
      ...b,
      events: events.filter((e) => e.boot_id === b.id).map((e) => jsonValue(e.data)),
      probes: [],
    }));
    // Fewer events read than stored (failed probes as their key's columns), and the same groups.
    expect(read.flatMap((b) => [...b.events, ...(b.probes ?? [])]).length).toBeLessThan(
      every.flatMap((b) => b.events).length,
    );
    expect(read.flatMap((b) => b.events).some((e) => e.kind === 'probe')).toBe(false);
    expect(read.find((b) => b.probes?.length)?.probes?.[0]).toEqual({
      line: expect.any(Number),
      driver: 'e1000',
      errno: -5,
      errnoName: 'EIO',
    });
    const groups = groupFailures(read);
    expect(groups).toEqual(groupFailures(every));
    const keys = groups.map((g) => g.key);
    expect(keys).toEqual(expect.arrayContaining(['probe_failed:e1000:EIO', 'probe_failed:ahci:EIO']));
    expect(keys.filter((k) => k.startsWith('error:') || k.startsWith('init_exec:')).length).toBeGreaterThan(
      0,
    );
    expect(groups.find((g) => g.key === 'probe_failed:e1000:EIO')?.count).toBe(3);
  });
});
