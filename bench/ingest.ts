/**
 * Event ingest rate into PGlite and into a real PostgreSQL (issue 12: >= 150,000 events/s on
 * the real server): events of a real boot, replicated, written in the collector's batches
 * through its ingest transactions (COPY on PostgreSQL), on a database warmed up first.
 */

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { type Database, openDatabase } from '../collector/db/client.ts';
import { createBoot } from '../collector/db/queries/boots.ts';
import { insertEvents } from '../collector/db/queries/findings.ts';
import { rowsOf } from '../collector/db/rows.ts';
import { parseLog } from '../collector/parser/index.ts';
import { fromRoot } from '../common/repo-root.ts';
import type { BootEvent } from '../common/types/parse.ts';
import { startPostgres } from '../test/helpers/postgres.ts';
import type { Benchmark } from './run.ts';

const FIXTURE = fromRoot('test', 'fixtures', 'logs', '03-exec-no-net.log');
const TOTAL = 200_000;
const PER_CALL = 5_000;
/** USER_HZ: the unit of /proc/PID/stat's times on Linux. */
const CLOCK_TICKS = 100;

function sampleEvents(): BootEvent[] {
  const base = parseLog(readFileSync(FIXTURE), { context: { initIsScript: true } }).events;
  return Array.from({ length: PER_CALL }, (_, i) => base[i % base.length]);
}

interface Rate {
  /** Events per second of wall-clock time. */
  wall: number;
  /** Events per CPU second of the collector and (PostgreSQL) the server backend it writes through. */
  cpu: number;
}

async function measure(url: string | undefined, events: BootEvent[]): Promise<Rate> {
  // PGlite in a fresh data directory, as `serve` uses it; PostgreSQL through pg.
  const dir = url ? null : mkdtempSync(join(tmpdir(), 'bootwatch-bench-pglite-'));
  const database = url ? await openDatabase({ url }) : await openDatabase({ dataDir: dir!, url: undefined });
  const write = async (id: number, first: number) => {
    for (let seq = first; seq < first + TOTAL; seq += PER_CALL)
      await database.writeTransaction((tx, copy) =>
        insertEvents(tx, [{ bootId: id, firstSeq: seq, events }], copy),
      );
  };
  try {
    // Warmed up as a database that has run for a while: events until they outgrow the shared
    // buffers (each buffer's first use faults its memory in, a quarter of the server's time on this
    // VM), then a checkpoint (WAL segments recycled, where a fresh cluster creates them).
    const warm = (await createBoot(database.db, { target: 'import' }, null)).id;
    let seq = 1;
    do {
      await write(warm, seq);
      seq += TOTAL;
    } while (!(await outgrown(database)));
    await database.db.execute(sql`checkpoint`);
    const backend = url ? await writerBackend(database) : null;
    const { id } = await createBoot(database.db, { target: 'import' }, null);
    const server = backend ? cpuSeconds(backend) : 0;
    const cpu = process.cpuUsage();
    const start = process.hrtime.bigint();
    await write(id, 1);
    const wall = Number(process.hrtime.bigint() - start) / 1e9;
    const used = process.cpuUsage(cpu);
    const busy = (used.user + used.system) / 1e6 + (backend ? cpuSeconds(backend) - server : 0);
    return { wall: TOTAL / wall, cpu: TOTAL / busy };
  } finally {
    await database.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  }
}

/** Whether the events take more room than the server's shared buffers. */
async function outgrown(database: Database): Promise<boolean> {
  const [row] = await rowsOf<{ done: boolean }>(
    database.db,
    sql`select pg_total_relation_size('events') > pg_size_bytes(current_setting('shared_buffers')) as done`,
  );
  return row.done;
}

/** The process id of the server backend behind the ingest writer connection. */
async function writerBackend(database: Database): Promise<number> {
  const [row] = await database.writeTransaction((tx) =>
    rowsOf<{ pid: number }>(tx, sql`select pg_backend_pid() as pid`),
  );
  return row.pid;
}

/** CPU time a process on this host has used (the bench's server runs here). */
function cpuSeconds(pid: number): number {
  // Fields 14 and 15 of /proc/PID/stat (after the parenthesised name): user and system ticks.
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}

export const ingestBenchmark: Benchmark = {
  name: 'ingest',
  description: "events/s written through the collector's batched insert, PGlite and PostgreSQL",
  async run(report) {
    const events = sampleEvents();
    const pglite = await measure(undefined, events);
    report({ name: 'ingest_events_pglite', value: Math.round(pglite.wall), unit: 'events/s' });
    const server = await startPostgres();
    try {
      const postgres = await measure(await server.createDatabase(), events);
      report({
        name: 'ingest_events_postgres',
        value: Math.round(postgres.wall),
        unit: 'events/s',
        target: '>= 150000',
      });
      // What the wall figure would be with the collector and the server sharing one free core.
      report({ name: 'ingest_events_postgres_cpu', value: Math.round(postgres.cpu), unit: 'events/CPU s' });
    } finally {
      server.dispose();
    }
  },
};
