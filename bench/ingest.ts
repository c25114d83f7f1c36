/**
 * Event ingest rate into PGlite and into a real PostgreSQL (issue 12: >= 150,000 events/s on
 * the real server): events of a real boot, replicated, written in the collector's batches
 * through its ingest transactions (COPY on PostgreSQL).
 */

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../collector/db/client.ts';
import { createBoot } from '../collector/db/queries/boots.ts';
import { insertEvents } from '../collector/db/queries/findings.ts';
import { parseLog } from '../collector/parser/index.ts';
import { fromRoot } from '../common/repo-root.ts';
import type { BootEvent } from '../common/types/parse.ts';
import { startPostgres } from '../test/helpers/postgres.ts';
import type { Benchmark } from './run.ts';

const FIXTURE = fromRoot('test', 'fixtures', 'logs', '03-exec-no-net.log');
const TOTAL = 200_000;
const PER_CALL = 5_000;

function sampleEvents(): BootEvent[] {
  const base = parseLog(readFileSync(FIXTURE), { context: { initIsScript: true } }).events;
  return Array.from({ length: PER_CALL }, (_, i) => base[i % base.length]);
}

async function measure(url: string | undefined, events: BootEvent[]): Promise<number> {
  // PGlite in a fresh data directory, as `serve` uses it; PostgreSQL through pg.
  const dir = url ? null : mkdtempSync(join(tmpdir(), 'bootwatch-bench-pglite-'));
  const database = url ? await openDatabase({ url }) : await openDatabase({ dataDir: dir!, url: undefined });
  try {
    const { id } = await createBoot(database.db, { target: 'import' }, null);
    const start = process.hrtime.bigint();
    for (let seq = 1; seq <= TOTAL; seq += PER_CALL)
      await database.writeTransaction((tx, copy) =>
        insertEvents(tx, [{ bootId: id, firstSeq: seq, events }], copy),
      );
    return TOTAL / (Number(process.hrtime.bigint() - start) / 1e9);
  } finally {
    await database.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  }
}

export const ingestBenchmark: Benchmark = {
  name: 'ingest',
  description: "events/s written through the collector's batched insert, PGlite and PostgreSQL",
  async run(report) {
    const events = sampleEvents();
    report({
      name: 'ingest_events_pglite',
      value: Math.round(await measure(undefined, events)),
      unit: 'events/s',
    });
    const server = await startPostgres();
    try {
      const url = await server.createDatabase();
      report({
        name: 'ingest_events_postgres',
        value: Math.round(await measure(url, events)),
        unit: 'events/s',
        target: '>= 150000',
      });
    } finally {
      server.dispose();
    }
  },
};
