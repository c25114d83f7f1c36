/**
 * Runner overhead, per architecture: a clean rebuild of each seed ladder's 01-serial O= dir by
 * the runner (progress parsing, output streaming, timing) against a bare `make` of the same tree
 * with the same arguments (cross ones off x86_64). ccache is warm for both, so the figure is the
 * runner's cost. BOOTWATCH_BENCH_ARCHES narrows the list (e.g. `x86_64`).
 */
import { join } from 'node:path';
import { ARCHES, type Arch } from '../common/arch.ts';
import { fromRoot } from '../common/repo-root.ts';
import { variantKey } from '../common/variant-names.ts';
import { buildEnv, buildVariant } from '../runners/build/build-kernel.ts';
import { acquireBuildLock } from '../runners/build/lock.ts';
import { archArgs, makeArgs, runMake } from '../runners/build/make.ts';
import { loadMatrix } from '../runners/matrix/load.ts';
import { buildsDir } from '../runners/paths.ts';
import { runCommand } from '../runners/process.ts';
import { prepareSource } from '../runners/source.ts';
import type { Benchmark } from './run.ts';

/** Each arch's seed ladder. */
const LADDERS: Record<Arch, string> = {
  x86_64: 'seed-ladder.yaml',
  arm64: 'seed-ladder-arm64.yaml',
  riscv64: 'seed-ladder-riscv64.yaml',
};

export const overheadBenchmark: Benchmark = {
  name: 'runner-overhead',
  description:
    'runner build time / bare make time for the same variant, per arch (clean rebuild, warm ccache)',
  async run(report) {
    const only = process.env.BOOTWATCH_BENCH_ARCHES?.split(',').filter(Boolean);
    for (const arch of ARCHES.filter((a) => !only?.length || only.includes(a))) {
      const suffix = arch === 'x86_64' ? '' : `_${arch}`;
      const { bare, runner } = await overheadOf(arch);
      report({ name: `build_bare_make_s${suffix}`, value: bare / 1000, unit: 's' });
      report({ name: `build_runner_s${suffix}`, value: runner / 1000, unit: 's' });
      report({ name: `runner_overhead_ratio${suffix}`, value: runner / bare, unit: 'x', target: '<= 1.03' });
    }
  },
};

/** The best of two clean rebuilds each way, in ms. */
async function overheadOf(arch: Arch): Promise<{ bare: number; runner: number }> {
  const matrix = loadMatrix(fromRoot('examples', LADDERS[arch]));
  const v = matrix.variants.find((x) => x.name === variantKey('01-serial', arch))!;
  const src = await prepareSource(v.source!);
  // First make sure the tree is configured and ccache holds every object.
  const first = await buildVariant(v, src);
  if (first.input.status !== 'PASS')
    throw new Error(`${arch} 01-serial does not build: ${first.input.errors?.[0]}`);
  const outDir = join(buildsDir(), v.matrix, v.name);
  const env = buildEnv();
  const release = await acquireBuildLock();
  try {
    const clean = () =>
      runCommand('make', ['-C', src.dir, `O=${outDir}`, ...archArgs(arch), 'clean'], { env });
    const bare: number[] = [];
    const runner: number[] = [];
    for (let i = 0; i < 2; i++) {
      await clean();
      const t0 = performance.now();
      const r = await runCommand('make', makeArgs({ srcDir: src.dir, outDir, arch }), { env });
      if (r.code !== 0) throw new Error(`${arch} bare make failed`);
      bare.push(performance.now() - t0);
      await clean();
      const m = await runMake({ srcDir: src.dir, outDir, arch, env, onProgress: () => {} });
      if (m.exitCode !== 0) throw new Error(`${arch} runner make failed`);
      runner.push(m.wallMs);
    }
    return { bare: Math.min(...bare), runner: Math.min(...runner) };
  } finally {
    release();
  }
}
