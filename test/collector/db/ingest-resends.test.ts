/**
 * Streaming ingest under group commit, PGlite and PostgreSQL (events by COPY there): many
 * boots at once, chunks resent and overlapping, sessions rebuilt mid-stream, two collectors
 * writing one boot; every boot ends with exactly what a one-shot import of its log stores.
 */
import { sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../../collector/db/client.ts';
import { readConsole } from '../../../collector/db/queries/console.ts';
import { rowsOf } from '../../../collector/db/rows.ts';
import { Collector } from '../../../collector/ingest/collector.ts';
import { BootwatchError } from '../../../common/errors.ts';
import { backends } from '../../helpers/db.ts';
import { fixtureBytes } from '../../helpers/fixtures.ts';

const LOGS = [
  'logs/07-block-initcall-debug.log',
  'logs/debian-6.1-amd64-initcall-debug.log',
  'logs/05-net-e1000.log',
  'logs/01-serial-no-initrd.log',
].map((f) => fixtureBytes(f));

/** What a boot stored: its events in order, its lines, its initcalls and its console. */
async function stored(database: Database, bootId: number) {
  const db = database.db;
  return {
    events: await rowsOf(
      db,
      sql`select seq, line, kind, errno, driver, message, data from events where boot_id = ${bootId} order by seq`,
    ),
    lines: await rowsOf(
      db,
      sql`select line, time, cls, text from console_lines where boot_id = ${bootId} order by line`,
    ),
    initcalls: await rowsOf(
      db,
      sql`select line, fn, usecs, ret from initcalls where boot_id = ${bootId} order by line`,
    ),
    console: await readConsole(db, bootId),
  };
}

/**
 * A runner that resends: every chunk goes twice, the second time from 100 bytes earlier; a
 * conflict (another writer got there first) makes it ask for the stored offset and go on from there.
 */
async function stream(c: Collector, bootId: number, bytes: Buffer, size: number, midway?: () => void) {
  let at = 0;
  while (at < bytes.length) {
    const chunk = bytes.subarray(at, at + size);
    try {
      at = await c.console.append(bootId, at, chunk);
      await c.console.append(
        bootId,
        Math.max(0, at - chunk.length - 100),
        bytes.subarray(Math.max(0, at - chunk.length - 100), at),
      );
    } catch (err) {
      if (!(err instanceof BootwatchError) || err.code !== 'conflict') throw err;
      at = await c.console.storedOffset(bootId);
    }
    if (midway && at >= bytes.length / 2) {
      midway();
      midway = undefined;
    }
  }
}

async function finish(c: Collector, bootId: number, bytes: Buffer) {
  for (;;)
    try {
      return await c.console.finish(bootId, { endReason: 'marker', consoleBytes: bytes.length });
    } catch (err) {
      if (!(err instanceof BootwatchError) || err.code !== 'conflict') throw err;
    }
}

describe.each(backends())('streaming ingest on $name', (backend) => {
  let database: Database | null = null;
  beforeAll(() => backend.setup());
  afterAll(() => backend.teardown());
  afterEach(async () => {
    await database?.close();
    database = null;
  });

  it('stores many boots streamed at once, resent and rebuilt mid-way, each exactly once', async () => {
    database = await backend.fresh();
    const c = new Collector(database);
    const boots = await Promise.all(
      Array.from({ length: 6 }, async (_, i) => ({
        bytes: LOGS[i % LOGS.length],
        size: 2048 + 509 * i,
        id: (await c.startBoot({ target: 'qemu', variant: `v${i}` })).id,
      })),
    );
    // Every session is dropped once half-way: the next steps rebuild it from what is stored.
    await Promise.all(boots.map((b) => stream(c, b.id, b.bytes, b.size, () => c.console.forget(b.id))));
    await Promise.all(boots.map((b) => finish(c, b.id, b.bytes)));
    await c.settle();

    for (const b of boots) {
      const ref = await c.importLog(b.bytes, { variant: 'reference' });
      await c.settle();
      const got = await stored(database, b.id);
      const want = await stored(database, ref.id);
      expect(got.events.length).toBeGreaterThan(0);
      expect(got).toEqual(want);
      expect(got.console.equals(b.bytes)).toBe(true);
    }
  }, 300_000);

  it('stores a boot two collectors write at once exactly once', async () => {
    database = await backend.fresh();
    const a = new Collector(database);
    const b = new Collector(database);
    const bytes = LOGS[1];
    const { id } = await a.startBoot({ target: 'qemu', variant: 'twice' });
    await Promise.all([stream(a, id, bytes, 1500), stream(b, id, bytes, 2300)]);
    await finish(b, id, bytes);
    await Promise.all([a.settle(), b.settle()]);

    const ref = await a.importLog(bytes, { variant: 'reference' });
    await a.settle();
    expect(await stored(database, id)).toEqual(await stored(database, ref.id));
  }, 300_000);
});
