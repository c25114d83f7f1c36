/** Consoles compressed at rest on PGlite and PostgreSQL: smaller, and every byte served back as it came. */
import { sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../../collector/db/client.ts';
import { createBoot } from '../../../collector/db/queries/boots.ts';
import { insertConsoleBytes, readConsole, readConsoleChunks } from '../../../collector/db/queries/console.ts';
import { rowsOf } from '../../../collector/db/rows.ts';
import { Collector } from '../../../collector/ingest/collector.ts';
import { ConsoleCompactor } from '../../../collector/ingest/console-compactor.ts';
import { appOn } from '../../helpers/collector-app.ts';
import { backends } from '../../helpers/db.ts';
import { fixtureBytes } from '../../helpers/fixtures.ts';
import { awkwardConsole } from './samples.ts';

const DEBIAN = fixtureBytes('logs/debian-6.1-amd64-initcall-debug.log');

async function chunkRows(db: Database, bootId: number) {
  return rowsOf<{ encoding: string; stored: number }>(
    db.db,
    sql`select encoding, octet_length(data)::int as stored from console_chunks where boot_id = ${bootId} order by "offset"`,
  );
}

/** A finished boot as a collector before compression left it: raw chunks of `size` bytes. */
async function oldStyleBoot(db: Database, bytes: Buffer, size: number): Promise<number> {
  const { id } = await createBoot(db.db, { target: 'import' }, null);
  const pieces = [];
  for (let at = 0; at < bytes.length; at += size)
    pieces.push({ bootId: id, offset: at, bytes: bytes.subarray(at, at + size) });
  await insertConsoleBytes(db.db, pieces);
  await db.db.execute(
    sql`update boots set state = 'finished', outcome = 'booted', console_bytes = ${bytes.length} where id = ${id}`,
  );
  return id;
}

describe.each(backends())('consoles at rest on $name', (backend) => {
  let database: Database | null = null;
  beforeAll(() => backend.setup());
  afterAll(() => backend.teardown());
  afterEach(async () => {
    await database?.close();
    database = null;
  });

  it('stores a finished boot log at least 5x smaller and serves console.raw byte for byte', async () => {
    database = await backend.fresh();
    const collector = new Collector(database);
    const { id } = await collector.importLog(DEBIAN, { variant: 'debian' });
    await collector.settle();

    const rows = await chunkRows(database, id);
    expect(rows.map((r) => r.encoding)).toEqual(rows.map(() => 'br'));
    const stored = rows.reduce((n, r) => n + r.stored, 0);
    expect(stored * 5).toBeLessThanOrEqual(DEBIAN.length);

    const app = await appOn(database);
    try {
      const res = await app.inject({ method: 'GET', url: `/api/boots/${id}/console.raw` });
      expect(res.statusCode).toBe(200);
      expect(res.rawPayload.equals(DEBIAN)).toBe(true);
    } finally {
      await app.close();
    }
  });

  it('keeps a streamed console raw while it runs and compresses it once finished, any bytes intact', async () => {
    database = await backend.fresh();
    const bytes = awkwardConsole();
    const collector = new Collector(database);
    const { id } = await collector.startBoot({ target: 'qemu' });
    for (let at = 0; at < bytes.length; at += 65_536)
      await collector.console.append(id, at, bytes.subarray(at, at + 65_536));
    expect((await chunkRows(database, id)).every((r) => r.encoding === 'raw')).toBe(true);
    expect((await readConsole(database.db, id)).equals(bytes)).toBe(true);

    await collector.console.finish(id, { endReason: 'marker', consoleBytes: bytes.length });
    await collector.settle();
    const rows = await chunkRows(database, id);
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.every((r) => r.encoding === 'br')).toBe(true);
    expect((await readConsole(database.db, id)).equals(bytes)).toBe(true);
  });

  it('reads rows stored before compression as they are, and a collector start compresses them', async () => {
    database = await backend.fresh();
    const id = await oldStyleBoot(database, DEBIAN, 2048);
    expect((await readConsole(database.db, id)).equals(DEBIAN)).toBe(true);

    const collector = new Collector(database);
    await collector.recovered;
    await collector.console.compactor.sweep();
    const rows = await chunkRows(database, id);
    // 58 streamed chunks of 2 KiB become one segment.
    expect(rows).toHaveLength(1);
    expect(rows[0].encoding).toBe('br');
    expect((await readConsole(database.db, id)).equals(DEBIAN)).toBe(true);
    await collector.settle();
  });

  it('gives a reader that spans a compaction every byte exactly once', async () => {
    database = await backend.fresh();
    const id = await oldStyleBoot(database, DEBIAN, 1000);
    const reader = readConsoleChunks(database.db, id, 4);
    const parts: Buffer[] = [];
    const first = await reader.next();
    if (!first.done) parts.push(first.value);
    // The reader has read 4 raw rows; all of them now become one compressed segment at offset 0.
    await new ConsoleCompactor(database.db).compact(id);
    for await (const part of reader) parts.push(part);
    expect(Buffer.concat(parts).equals(DEBIAN)).toBe(true);
    expect((await chunkRows(database, id)).map((r) => r.encoding)).toEqual(['br']);
  });
});
