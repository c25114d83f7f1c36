/**
 * CLI start-up (issue 12): `bin/bootwatch --help` and `parse` of a 100-line log, as a user
 * runs them (the launcher picks the compiled build when it is current), against `node -e 0`.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fromRoot } from '../common/repo-root.ts';
import type { Benchmark } from './run.ts';

const RUNS = 15;
const BIN = fromRoot('bin', 'bootwatch');

/** Median wall time of a command, ms. */
function median(cmd: string, args: string[]): number {
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    execFileSync(cmd, args, { stdio: 'ignore' });
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

export const cliStartBenchmark: Benchmark = {
  name: 'cli-start',
  description: 'bin/bootwatch --help and a 100-line parse, ms and as a ratio to node -e 0',
  async run(report) {
    const dir = mkdtempSync(join(tmpdir(), 'bootwatch-bench-cli-'));
    try {
      const log = join(dir, 'head.log');
      const lines = readFileSync(fromRoot('test', 'fixtures', 'logs', '05-net-e1000.log'), 'utf8').split(
        '\n',
      );
      writeFileSync(log, `${lines.slice(0, 100).join('\n')}\n`);
      const node = median(process.execPath, ['-e', '0']);
      const help = median(BIN, ['--help']);
      const parse = median(BIN, ['parse', log, '--json']);
      report({ name: 'cli_node_baseline', value: node, unit: 'ms' });
      report({ name: 'cli_help', value: help, unit: 'ms' });
      report({ name: 'cli_help_ratio', value: help / node, unit: 'x node -e 0' });
      report({ name: 'cli_parse_100_lines', value: parse, unit: 'ms' });
      report({ name: 'cli_parse_100_lines_ratio', value: parse / node, unit: 'x node -e 0' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
