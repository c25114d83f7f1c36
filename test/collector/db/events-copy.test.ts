/**
 * PostgreSQL takes events by binary COPY, encoded in the collector; PGlite by a JSON batch
 * the server unpacks. Both must store the same rows: on one real server, the events of every
 * fixture log (and awkward ones) go in both ways and every column must match.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../../collector/db/client.ts';
import { insertEvents } from '../../../collector/db/queries/findings.ts';
import { rowsOf } from '../../../collector/db/rows.ts';
import { Collector } from '../../../collector/ingest/collector.ts';
import { parseLog } from '../../../collector/parser/index.ts';
import type { BootEvent } from '../../../common/types/parse.ts';
import { backends } from '../../helpers/db.ts';
import { ALL_LOGS, fixtureBytes } from '../../helpers/fixtures.ts';
import { awkwardEvents } from './samples.ts';

const postgres = backends().find((b) => b.name === 'postgres');

function corpus(): BootEvent[] {
  return [...ALL_LOGS.flatMap((f) => parseLog(fixtureBytes(f)).events), ...awkwardEvents()];
}

describe.skipIf(!postgres?.available)('events by binary COPY on postgres', () => {
  let database: Database;
  beforeAll(async () => {
    await postgres!.setup();
    database = await postgres!.fresh();
  });
  afterAll(async () => {
    await database?.close();
    await postgres!.teardown();
  });

  it('stores every column as the JSON insert does', async () => {
    const events = corpus();
    const c = new Collector(database);
    const byCopy = (await c.startBoot({ target: 'import' })).id;
    const byJson = (await c.startBoot({ target: 'import' })).id;
    // Two runs in one COPY, numbered on from different seqs, as group commit sends them.
    const half = events.length >> 1;
    await database.writeTransaction(async (tx, copy) => {
      expect(copy).not.toBeNull();
      await insertEvents(
        tx,
        [
          { bootId: byCopy, firstSeq: 1, events: events.slice(0, half) },
          { bootId: byCopy, firstSeq: half + 1, events: events.slice(half) },
        ],
        copy,
      );
    });
    await database.writeTransaction((tx) =>
      insertEvents(tx, [{ bootId: byJson, firstSeq: 1, events }], null),
    );
    const read = (bootId: number) =>
      rowsOf<Record<string, unknown>>(
        database.db,
        sql`select seq, line, time, kind, errno, errno_name, driver, device, option, message, data::text as data
          from events where boot_id = ${bootId} order by seq`,
      );
    const [copied, inserted] = await Promise.all([read(byCopy), read(byJson)]);
    expect(copied).toHaveLength(events.length);
    expect(copied).toEqual(inserted);
    expect(new Set(copied.map((r) => r.kind))).toEqual(new Set(events.map((e) => e.kind)));
  });
});
