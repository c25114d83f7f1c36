/** Parser throughput on real logs, replicated to a large stream. */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BootLogParser } from '../collector/parser/index.ts';
import type { Benchmark } from './run.ts';

const FIXTURES = fileURLToPath(new URL('../test/fixtures/logs', import.meta.url));

export const parserBenchmark: Benchmark = {
  name: 'parser',
  description: 'incremental parser throughput on real console logs',
  async run(report) {
    const logs = readdirSync(FIXTURES)
      .filter((f) => f.endsWith('.log'))
      .map((f) => readFileSync(join(FIXTURES, f)));
    const corpus = Buffer.concat(logs);
    const copies = Math.max(1, Math.ceil((32 << 20) / corpus.length));
    const parser = new BootLogParser();
    const start = process.hrtime.bigint();
    let lines = 0;
    for (let i = 0; i < copies; i++) {
      // 4 KiB chunks, as a serial stream arrives.
      for (let off = 0; off < corpus.length; off += 4096)
        lines += parser.push(corpus.subarray(off, off + 4096)).length;
    }
    lines += parser.end().length;
    const secs = Number(process.hrtime.bigint() - start) / 1e9;
    const mb = (corpus.length * copies) / (1 << 20);
    report({ name: 'parser_throughput', value: mb / secs, unit: 'MiB/s' });
    report({ name: 'parser_lines_per_second', value: Math.round(lines / secs), unit: 'lines/s' });
    report({
      name: 'parser_heap_after_stream',
      value: Math.round(process.memoryUsage().heapUsed / (1 << 20)),
      unit: 'MiB',
    });
  },
};
