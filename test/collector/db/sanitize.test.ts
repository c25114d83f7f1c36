/** Text PostgreSQL refuses (NUL, half a surrogate pair) is stored with U+FFFD in its place, never an error. */
import { sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../../collector/db/client.ts';
import { insertEvents } from '../../../collector/db/queries/findings.ts';
import { rowsOf } from '../../../collector/db/rows.ts';
import { cleanText, jsonText } from '../../../collector/db/sanitize.ts';
import { Collector } from '../../../collector/ingest/collector.ts';
import type { BootEvent } from '../../../common/types/parse.ts';
import { backends } from '../../helpers/db.ts';

const nasty = 'a\u0000b \uD83D c \uDE00 d \uD83D\uDE00 e';
const cleaned = 'a\uFFFDb \uFFFD c \uFFFD d \uD83D\uDE00 e';

describe('cleanText and jsonText', () => {
  it('replace NULs and lone surrogates and keep whole pairs', () => {
    expect(cleanText(nasty)).toBe(cleaned);
    expect(JSON.parse(jsonText({ s: nasty, list: [nasty] }))).toEqual({ s: cleaned, list: [cleaned] });
    expect(jsonText({ s: 'plain \\u0000 text' })).toBe(JSON.stringify({ s: 'plain \\u0000 text' }));
  });
});

describe.each(backends())('storing awkward text on $name', (backend) => {
  let database: Database;
  beforeAll(() => backend.setup());
  afterAll(() => backend.teardown());
  afterEach(() => database?.close());

  it('keeps events whose text PostgreSQL would refuse', async () => {
    database = await backend.fresh();
    const { id } = await new Collector(database).startBoot({ target: 'import' });
    const event: BootEvent = { kind: 'userspace', line: 1, time: null, text: nasty };
    // PostgreSQL takes events by COPY, PGlite as a JSON batch: both must clean the same way.
    await database.writeTransaction((tx, copy) =>
      insertEvents(tx, [{ bootId: id, firstSeq: 0, events: [event] }], copy),
    );
    const [row] = await rowsOf<{ message: string; data: BootEvent }>(
      database.db,
      sql`select message, data from events where boot_id = ${id}`,
    );
    expect(row).toEqual({ message: cleaned, data: { ...event, text: cleaned } });
  });
});
