/**
 * The climb issue 15 asks for, measured: `bootwatch climb examples/seed-ladder.yaml
 * 00-allnoconfig --goal marker,network,root_mounted` with real builds and QEMU boots (the
 * ladder's boot set-up, so every attempt boots on 08-ext4-root's ext4 disk), into a throwaway
 * embedded collector and state file. Prints the builds it used of the default budget, whether
 * it reached the goals, the options in its minimal fragment against the ladder's own fragments
 * up to 08-ext4-root, and the wall time. Long (tens of builds; ccache keeps each one short).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fromRoot } from '../common/repo-root.ts';
import { pickVariant } from '../runners/climb/climb-command.ts';
import { runClimb } from '../runners/climb/run-climb.ts';
import { CollectorClient } from '../runners/collector-client.ts';
import { openEmbeddedCollector } from '../runners/embedded-collector.ts';
import { loadMatrix } from '../runners/matrix/load.ts';
import type { Benchmark } from './run.ts';

const GOALS = 'marker,network,root_mounted';

/** The options the hand-made ladder sets on the way to its final busybox stage. */
function ladderOptions(): number {
  const ladder = loadMatrix(fromRoot('examples', 'seed-ladder.yaml'));
  const top = ladder.variants.find((v) => v.name === '08-ext4-root')!;
  const lines = top.fragments.flatMap((f) => f.content.split('\n'));
  return new Set(lines.filter((l) => /^CONFIG_\w+=[ym]/.test(l)).map((l) => l.split('=')[0])).size;
}

export const climbBenchmark: Benchmark = {
  name: 'climb',
  description: 'the climb from allnoconfig to the seed ladder final stage: builds, fragment size, wall time',
  async run(report) {
    const dir = mkdtempSync(join(tmpdir(), 'bw-bench-climb-'));
    const data = process.env.BOOTWATCH_DATA;
    process.env.BOOTWATCH_DATA = join(dir, 'data');
    const t0 = performance.now();
    const emb = await openEmbeddedCollector();
    try {
      const matrix = loadMatrix(fromRoot('examples', 'seed-ladder.yaml'));
      const { variant, goals, bootFrom } = pickVariant(matrix, '00-allnoconfig', GOALS, undefined);
      const state = await runClimb(
        { variant, goals, bootFrom, maxBuilds: 20, state: join(dir, 'state.json'), fresh: true },
        { collector: new CollectorClient(emb.url), log: (l) => process.stderr.write(`climb: ${l}\n`) },
      );
      report({
        name: 'climb_reached',
        value: state.status === 'reached' ? 1 : 0,
        unit: `(goals ${GOALS}, booting as ${bootFrom})`,
        target: '1',
      });
      report({ name: 'climb_builds', value: state.builds, unit: 'builds', target: `<= ${state.maxBuilds}` });
      report({ name: 'climb_attempts', value: state.attempts.length, unit: 'attempts' });
      report({ name: 'climb_fragment_options', value: state.options.length, unit: 'options' });
      report({ name: 'seed_ladder_options', value: ladderOptions(), unit: 'options (01..08 fragments)' });
      report({ name: 'climb_wall', value: (performance.now() - t0) / 60_000, unit: 'min' });
    } finally {
      await emb.close();
      if (data === undefined) delete process.env.BOOTWATCH_DATA;
      else process.env.BOOTWATCH_DATA = data;
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
