/**
 * Crash intelligence at volume (issue 10): titles per second on a crash-heavy log made of the
 * real crash corpus, and 10k crashes grouped into issues — the pure grouping, and the same
 * through the database on PGlite and PostgreSQL: in the backfill's batches and one boot at a
 * time as the collector does after each boot.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { issueFindings } from '../collector/analysis/issue-keys.ts';
import { type Database, type Db, openDatabase } from '../collector/db/client.ts';
import { upsertVariant } from '../collector/db/queries/catalog.ts';
import { recordBootIssues, recordIssuesOfBoots } from '../collector/db/queries/issue-grouping.ts';
import { boots } from '../collector/db/schema/index.ts';
import { BootLogParser, parseLog } from '../collector/parser/index.ts';
import { BACKFILL_BATCH } from '../collector/regressions/detect.ts';
import { fromRoot } from '../common/repo-root.ts';
import type { Crash } from '../common/types/parse.ts';
import { startPostgres } from '../test/helpers/postgres.ts';
import type { Benchmark } from './run.ts';

const CRASHES = 10_000;
const PER_BOOT = 10;
const VARIANTS = 20;
const TARGET_BYTES = 20 * 1000 * 1000;

export const issuesBenchmark: Benchmark = {
  name: 'issues',
  description: 'crash titles per second on a crash-heavy log; 10k crashes grouped into issues',
  async run(report) {
    // Each crash log as its own boot (a boot keeps at most a few hundred reports), again and again.
    const dir = fromRoot('test', 'fixtures', 'crashes');
    const logs = readdirSync(dir)
      .filter((f) => f.endsWith('.log'))
      .sort()
      .map((f) => readFileSync(`${dir}/${f}`));
    const found: Crash[] = [];
    let bytes = 0;
    const t0 = performance.now();
    while (bytes < TARGET_BYTES)
      for (const log of logs) {
        const parser = new BootLogParser();
        for (let off = 0; off < log.length; off += 65536) parser.push(log.subarray(off, off + 65536));
        parser.end();
        found.push(...parser.result().crashes);
        bytes += log.length;
      }
    const secs = (performance.now() - t0) / 1000;
    report({ name: 'crash_titles_input', value: Math.round(bytes / 1e6), unit: 'MB' });
    report({ name: 'crash_titles_per_second', value: Math.round(found.length / secs), unit: 'reports/s' });
    report({ name: 'crash_log_throughput', value: bytes / 1e6 / secs, unit: 'MB/s' });

    // 10k real crash reports, ten to a boot.
    const sample: Crash[] = Array.from({ length: CRASHES }, (_, i) => found[i % found.length]);
    // The rest of the parsed reports are garbage now: let it go before the grouping is timed.
    found.length = 0;
    const perBoot = Array.from({ length: CRASHES / PER_BOOT }, (_, b) =>
      sample.slice(b * PER_BOOT, (b + 1) * PER_BOOT),
    );
    const g0 = performance.now();
    const groups = new Map<string, number>();
    for (const crashes of perBoot)
      for (const f of issueFindings(crashes, [], true))
        groups.set(f.signature, (groups.get(f.signature) ?? 0) + 1);
    report({ name: 'issues_group_10k_pure', value: performance.now() - g0, unit: 'ms', target: '< 1000' });
    report({ name: 'issues_distinct_signatures', value: groups.size, unit: 'issues' });

    // In the database, as the collector stores it: on PGlite (as `serve` without DATABASE_URL
    // uses it, in a data directory) and on a real PostgreSQL server.
    const data = mkdtempSync(join(tmpdir(), 'bootwatch-bench-issues-'));
    const server = await startPostgres();
    try {
      const open = async (backend: 'pglite' | 'postgres', n: number) =>
        backend === 'pglite'
          ? openDatabase({ dataDir: join(data, String(n)), url: undefined })
          : openDatabase({ url: await server.createDatabase() });
      for (const backend of ['pglite', 'postgres'] as const) {
        // The backfill's way: batches of boots, each one set-based grouping.
        const batched = await grouping(await open(backend, 1), perBoot, async (db, ids) => {
          for (let i = 0; i < ids.length; i += BACKFILL_BATCH)
            await recordIssuesOfBoots(db, ids.slice(i, i + BACKFILL_BATCH));
        });
        report({ name: `issues_group_10k_${backend}`, value: batched.ms, unit: 'ms', target: '< 1000' });
        // PGlite works in this process: its CPU time is the figure the shared cores' load leaves alone.
        if (backend === 'pglite')
          report({ name: 'issues_group_10k_pglite_cpu', value: batched.cpuMs, unit: 'ms' });
        // The live way: each boot as it finishes.
        const single = await grouping(await open(backend, 2), perBoot, async (db, ids) => {
          for (const id of ids) await recordBootIssues(db, id);
        });
        report({ name: `issues_group_10k_${backend}_per_boot`, value: single.ms, unit: 'ms' });
      }
    } finally {
      server.dispose();
      rmSync(data, { recursive: true, force: true });
    }
  },
};

/**
 * Wall and this process's CPU milliseconds `group` takes over stored, finished boots holding
 * `perBoot`'s crashes, spread over VARIANTS variants a minute apart; closes the database.
 */
async function grouping(
  database: Database,
  perBoot: Crash[][],
  group: (db: Db, ids: number[]) => Promise<void>,
): Promise<{ ms: number; cpuMs: number }> {
  try {
    const { db } = database;
    const variantIds = await Promise.all(
      Array.from({ length: VARIANTS }, (_, v) => upsertVariant(db, { name: `bench-${v}` })),
    );
    const empty = parseLog(new Uint8Array());
    const rows = perBoot.map((crashes, b) => ({
      variantId: variantIds[b % VARIANTS],
      target: 'import' as const,
      state: 'finished' as const,
      outcome: 'panic' as const,
      startedAt: new Date(Date.UTC(2026, 0, 1) + b * 60_000),
      result: { ...empty, crashes },
    }));
    const ids: number[] = [];
    for (let i = 0; i < rows.length; i += 100)
      ids.push(
        ...(
          await db
            .insert(boots)
            .values(rows.slice(i, i + 100))
            .returning({ id: boots.id })
        ).map((r) => r.id),
      );
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    await group(db, ids);
    const cpu = process.cpuUsage(c0);
    return { ms: performance.now() - t0, cpuMs: (cpu.user + cpu.system) / 1000 };
  } finally {
    await database.close();
  }
}
