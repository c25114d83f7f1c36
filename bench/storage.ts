/**
 * Console storage at rest (issue 12: >= 5x smaller on a typical boot log): real boot logs
 * imported through the collector into PGlite, compressed once finished; bytes stored per MB
 * of raw log, and the ratio.
 */

import { readFileSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { sql } from 'drizzle-orm';
import { openDatabase } from '../collector/db/client.ts';
import { rowsOf } from '../collector/db/rows.ts';
import { Collector } from '../collector/ingest/collector.ts';
import { fromRoot } from '../common/repo-root.ts';
import type { Benchmark } from './run.ts';

/** A typical boot (a distribution kernel with initcall_debug) and a trimmed kernel's. */
const LOGS = ['debian-6.1-amd64-initcall-debug.log', '07-block-initcall-debug.log'];

export const storageBenchmark: Benchmark = {
  name: 'storage',
  description: 'console bytes stored per MB of raw log once a boot has finished',
  async run(report) {
    const database = await openDatabase({ pglite: new PGlite() });
    try {
      const collector = new Collector(database);
      for (const name of LOGS) {
        const bytes = readFileSync(fromRoot('test', 'fixtures', 'logs', name));
        const { id } = await collector.importLog(bytes);
        await collector.settle();
        const [row] = await rowsOf<{ stored: number }>(
          database.db,
          sql`select coalesce(sum(octet_length(data)), 0)::int as stored from console_chunks where boot_id = ${id}`,
        );
        if (name === LOGS[0]) {
          report({
            name: 'console_stored_per_raw_mb',
            value: Math.round((row.stored / bytes.length) * 1_048_576),
            unit: 'bytes/MB',
            target: '<= 209715',
          });
          report({
            name: 'console_compression_ratio',
            value: bytes.length / row.stored,
            unit: 'x',
            target: '>= 5',
          });
        } else
          report({
            name: 'console_compression_ratio_small_boot',
            value: bytes.length / row.stored,
            unit: 'x',
          });
      }
    } finally {
      await database.close();
    }
  },
};
