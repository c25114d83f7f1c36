/**
 * The events table holds exactly the events the collector was given, on PGlite (a JSON batch
 * the server unpacks) and on PostgreSQL (binary COPY): every column, whatever an event holds,
 * and each event once however often a runner resends the console that made it.
 */
import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import type { Database } from '../../../collector/db/client.ts';
import { insertEvents } from '../../../collector/db/queries/findings.ts';
import { jsonValue, rowsOf } from '../../../collector/db/rows.ts';
import { cleanJson } from '../../../collector/db/sanitize.ts';
import { Collector } from '../../../collector/ingest/collector.ts';
import { parseLog } from '../../../collector/parser/index.ts';
import type { BootEvent } from '../../../common/types/parse.ts';
import { backends, freshDatabases } from '../../helpers/db.ts';
import { ALL_LOGS, fixtureBytes } from '../../helpers/fixtures.ts';
import { awkwardEvents } from './samples.ts';

interface EventRow {
  seq: number;
  line: unknown;
  time: number | null;
  kind: unknown;
  errno: number | null;
  errno_name: string | null;
  driver: string | null;
  device: string | null;
  option: string | null;
  message: string | null;
  data: Record<string, unknown>;
}

async function storedEvents(database: Database, bootId: number): Promise<EventRow[]> {
  const rows = await rowsOf<EventRow>(
    database.db,
    sql`select seq, line, time, kind, errno, errno_name, driver, device, option, message, data
      from events where boot_id = ${bootId} order by seq`,
  );
  return rows.map((r) => ({ ...r, data: jsonValue(r.data) }));
}

/** The row an event must become: the event made storable, and the columns pages filter on. */
function rowOf(seq: number, event: BootEvent): EventRow {
  const e = cleanJson(event) as unknown as Record<string, unknown>;
  // As `->>` reads a JSON value: a string as it is, anything else as its JSON text.
  const text = (v: unknown) => (v == null ? null : typeof v === 'string' ? v : JSON.stringify(v));
  return {
    seq,
    line: e.line,
    time: typeof e.time === 'number' ? e.time : null,
    kind: e.kind,
    errno: typeof e.errno === 'number' ? e.errno : null,
    errno_name: text(e.errnoName),
    driver: e.kind === 'probe' ? text(e.driver) : null,
    device: e.kind === 'probe' ? text(e.device) : null,
    option: e.kind === 'missing_config' ? text(e.option) : null,
    message: text(e.message ?? e.text ?? e.name),
    data: e,
  };
}

/** A real console with odd bytes in its events' lines and a line far over the parser's limit. */
function oddConsole(): Buffer {
  return Buffer.concat([
    fixtureBytes('logs/05-net-e1000.log'),
    Buffer.from(
      '[    9.100000] e1000 0000:00:03.0: probe of 0000:00:03.0 failed with error -12 \xff\xfe\n',
      'latin1',
    ),
    Buffer.from('hello \x00 from userspace, \u00e9 \u{1F427}, a tab\there and \\u0000 as text\n'),
    Buffer.from([0x62, 0x61, 0x64, 0x20, 0xc3, 0x28, 0x20, 0xed, 0xa0, 0x80, 0x0a]),
    Buffer.from(`${'x'.repeat(100_000)}\n`),
    Buffer.from('[    9.200000] VFS: Cannot open root device "sda1" or unknown-block(0,0): error -6\n'),
  ]);
}

describe.each(backends())('stored events on $name', (backend) => {
  const fresh = freshDatabases(backend);

  it('stores every event as it was sent, every column, in batches and runs', async () => {
    const db = await fresh();
    const events = [...ALL_LOGS.flatMap((f) => parseLog(fixtureBytes(f)).events), ...awkwardEvents()];
    const { id } = await new Collector(db).startBoot({ target: 'import' });
    // Two runs in one transaction, as group commit writes them, then one more transaction.
    const a = events.length >> 2;
    const b = events.length >> 1;
    await db.writeTransaction((tx, copy) =>
      insertEvents(
        tx,
        [
          { bootId: id, firstSeq: 1, events: events.slice(0, a) },
          { bootId: id, firstSeq: a + 1, events: events.slice(a, b) },
        ],
        copy,
      ),
    );
    await db.writeTransaction((tx, copy) =>
      insertEvents(tx, [{ bootId: id, firstSeq: b + 1, events: events.slice(b) }], copy),
    );

    const stored = await storedEvents(db, id);
    expect(stored).toEqual(events.map((e, i) => rowOf(i + 1, e)));
    // What cleaning and the columns' rules make of the awkward ones, spelled out.
    const byLine = (line: number) => stored[stored.length - awkwardEvents().length + line - 1];
    expect(byLine(1).message).toBe('a\uFFFDb \uFFFD c \uFFFD d \u{1F600} e\ttab\\back\nnl');
    expect(byLine(2)).toMatchObject({ driver: 'e1000', device: '0000:00:03.0', time: 0.000001 });
    expect(byLine(2).data.ok).toBe(false);
    expect(byLine(3)).toMatchObject({
      option: 'CONFIG_EXT4_FS',
      message: 'ünïcødé ✓ 🐧',
      time: 12345.678901,
    });
    expect(byLine(4)).toMatchObject({ time: null, message: 'init_start', errno: null, driver: null });
    expect(byLine(4).data.time).toBeNull();
    expect(byLine(5)).toMatchObject({ errno: -2, errno_name: 'ENOENT', time: 1e-7 });
    expect(byLine(5).message).toHaveLength(300_000);
    expect(byLine(6)).toMatchObject({ errno: null, errno_name: '7', message: 'true' });
    expect(byLine(6).data.errno).toBe('not a number');
    expect(byLine(7).message).toBe('C:\\users\\u0000 is no escape \u0001\u001f');
    expect(byLine(8)).toMatchObject({ driver: 'ahci\uFFFD', device: null });
    expect(byLine(8).data['we\uFFFDird']).toBe('key');
  });

  it("stores the parser's events of a console with odd bytes once, however often it is resent", async () => {
    const database = await fresh();
    const c = new Collector(database);
    const bytes = oddConsole();
    const { id } = await c.startBoot({ target: 'qemu', variant: 'odd' });
    let at = 0;
    for (const size of [3000, 7001, 65_536, 1 << 20]) {
      const end = Math.min(bytes.length, at + size);
      at = await c.console.append(id, at, bytes.subarray(at, end));
      // Resent as a runner does after a lost answer: the same chunk, from earlier on.
      await c.console.append(
        id,
        Math.max(0, at - size - 500),
        bytes.subarray(Math.max(0, at - size - 500), at),
      );
      if (size === 7001) c.console.forget(id);
    }
    expect(at).toBe(bytes.length);
    // Everything once more from the start, then the finish twice.
    expect(await c.console.append(id, 0, bytes)).toBe(bytes.length);
    await c.console.finish(id, { endReason: 'marker', consoleBytes: bytes.length });
    await c.console.finish(id, { endReason: 'marker', consoleBytes: bytes.length });
    await c.settle();

    const parsed = parseLog(bytes);
    const stored = await storedEvents(database, id);
    // The collector numbers a boot's events from 0.
    expect(stored).toEqual(parsed.events.map((e, i) => rowOf(i, e)));
    // The over-long line arrives cut where the parser cuts lines; the odd bytes as U+FFFD.
    expect(parsed.stats.truncatedLines).toBe(1);
    const long = stored.find((r) => r.message?.startsWith('xxx'));
    expect(long?.message?.length).toBeLessThan(100_000);
    expect(long?.message).toBe('x'.repeat(long?.message?.length ?? 0));
    expect(stored.find((r) => r.kind === 'probe' && r.data.ok === false)?.message).toMatch(
      /-12 \uFFFD\uFFFD$/,
    );
    expect(
      stored.some((r) => r.message === 'hello  from userspace, é 🐧, a tab\there and \\u0000 as text'),
    ).toBe(true);
  }, 120_000);
});
