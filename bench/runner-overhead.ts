/**
 * Runner overhead: a clean rebuild of the seed ladder's 01-serial O= dir by the runner
 * (progress parsing, output streaming, timing) against a bare `make` of the same tree
 * with the same arguments. ccache is warm for both, so the figure is the runner's cost.
 */
import { join } from 'node:path';
import { fromRoot } from '../common/repo-root.ts';
import { buildEnv, buildVariant } from '../runners/build/build-kernel.ts';
import { acquireBuildLock } from '../runners/build/lock.ts';
import { makeArgs, runMake } from '../runners/build/make.ts';
import { loadMatrix } from '../runners/matrix/load.ts';
import { buildsDir } from '../runners/paths.ts';
import { runCommand } from '../runners/process.ts';
import { prepareSource } from '../runners/source.ts';
import type { Benchmark } from './run.ts';

export const overheadBenchmark: Benchmark = {
  name: 'runner-overhead',
  description: 'runner build time / bare make time for the same variant (clean rebuild, warm ccache)',
  async run(report) {
    const matrix = loadMatrix(fromRoot('examples', 'seed-ladder.yaml'));
    const v = matrix.variants.find((x) => x.name === '01-serial')!;
    const src = await prepareSource(v.source!);
    // First make sure the tree is configured and ccache holds every object.
    const first = await buildVariant(v, src);
    if (first.input.status !== 'PASS')
      throw new Error(`01-serial does not build: ${first.input.errors?.[0]}`);
    const outDir = join(buildsDir(), matrix.name, v.name);
    const env = buildEnv();
    const release = await acquireBuildLock();
    try {
      const clean = () => runCommand('make', ['-C', src.dir, `O=${outDir}`, 'ARCH=x86_64', 'clean'], { env });
      const bare: number[] = [];
      const runner: number[] = [];
      for (let i = 0; i < 2; i++) {
        await clean();
        const t0 = performance.now();
        const r = await runCommand('make', makeArgs({ srcDir: src.dir, outDir }), { env });
        if (r.code !== 0) throw new Error('bare make failed');
        bare.push(performance.now() - t0);
        await clean();
        const m = await runMake({ srcDir: src.dir, outDir, env, onProgress: () => {} });
        if (m.exitCode !== 0) throw new Error('runner make failed');
        runner.push(m.wallMs);
      }
      const b = Math.min(...bare);
      const r = Math.min(...runner);
      report({ name: 'build_bare_make_s', value: b / 1000, unit: 's' });
      report({ name: 'build_runner_s', value: r / 1000, unit: 's' });
      report({ name: 'runner_overhead_ratio', value: r / b, unit: 'x', target: '<= 1.03' });
    } finally {
      release();
    }
  },
};
