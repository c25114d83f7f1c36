/**
 * Crash intelligence at volume (issue 10): titles per second on a crash-heavy log made of the
 * real crash corpus, and 10k crashes grouped into issues — the pure grouping, and the same
 * through the database as the collector does it after each boot (embedded PGlite).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { eq } from 'drizzle-orm';
import { issueFindings } from '../collector/analysis/issue-keys.ts';
import { openDatabase } from '../collector/db/client.ts';
import { createBoot } from '../collector/db/queries/boots.ts';
import { recordBootIssues } from '../collector/db/queries/issues.ts';
import { boots } from '../collector/db/schema/index.ts';
import { BootLogParser, parseLog } from '../collector/parser/index.ts';
import { fromRoot } from '../common/repo-root.ts';
import type { Crash } from '../common/types/parse.ts';
import type { Benchmark } from './run.ts';

const CRASHES = 10_000;
const PER_BOOT = 10;
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

    const database = await openDatabase({ pglite: new PGlite() });
    try {
      const result = parseLog(new Uint8Array());
      const ids: number[] = [];
      for (const crashes of perBoot) {
        const { id } = await createBoot(database.db, { target: 'import', variant: null }, null);
        await database.db
          .update(boots)
          .set({ state: 'finished', outcome: 'panic', result: { ...result, crashes } })
          .where(eq(boots.id, id));
        ids.push(id);
      }
      const d0 = performance.now();
      for (const id of ids) await recordBootIssues(database.db, id);
      report({ name: 'issues_group_10k_pglite', value: performance.now() - d0, unit: 'ms' });
    } finally {
      await database.close();
    }
  },
};
