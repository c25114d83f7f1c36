/**
 * One config bisection from what a user (or a queued job) names to its report: the two
 * sides, the state key, the state store (file + collector), and the Kconfig-aware search.
 * `bootwatch bisect` and the agents both run this, so a job resumes exactly like a re-run.
 */
import { createHash } from 'node:crypto';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import {
  type BisectDeps,
  type BisectReport,
  type BisectState,
  bisect,
  initialState,
} from '../../collector/analysis/bisect.ts';
import { configHash } from '../../collector/analysis/config-diff.ts';
import { BootwatchError } from '../../common/errors.ts';
import type { CollectorClient } from '../collector-client.ts';
import type { Matrix, ResolvedVariant } from '../matrix/types.ts';
import { cacheDir } from '../paths.ts';
import { type KernelSource, prepareSource } from '../source.ts';
import { type BisectTarget, makeEvaluator, makeResolver } from './evaluate.ts';
import { kconfigDependsOn } from './kconfig-deps.ts';
import { loadSide, type SideSpec } from './sides.ts';
import { StateStore } from './state-store.ts';

/** What to bisect: a CLI invocation or a queued job (which carries files as their content). */
export interface BisectSpec {
  good: SideSpec;
  bad: SideSpec;
  matrix: Matrix;
  maxBuilds?: number;
  crash?: string;
  goodOutcome?: string;
  confirm?: boolean;
  hints?: boolean;
  jobs?: number;
  /** Ignore saved states and start over. */
  fresh?: boolean;
  /** State file; default under the cache dir. */
  state?: string;
}

/** The kernel tree and the operations the search runs on it. */
export interface Toolchain {
  source(variant: ResolvedVariant): Promise<KernelSource>;
  deps(target: BisectTarget): Pick<BisectDeps, 'resolve' | 'evaluate' | 'dependsOn'>;
}

/** Real kernels: olddefconfig, builds and QEMU boots through the runner. */
const kernelToolchain: Toolchain = {
  source: (v) => prepareSource(v.source!),
  deps: (t) => ({
    resolve: makeResolver(t),
    evaluate: makeEvaluator(t),
    dependsOn: kconfigDependsOn(t.src.dir, t.variant.arch),
  }),
};

export interface BisectContext {
  collector: CollectorClient | null;
  /** Who runs it, as the dashboard shows it (default: the host name). */
  agent?: string | null;
  log: (line: string) => void;
  /** Tests bisect simulated kernels; everything else uses real ones. */
  toolchain?: Toolchain;
  /** Stops between steps (and the build or boot under way): an agent that lost its lease. */
  signal?: AbortSignal;
}

export interface BisectRun {
  key: string;
  good: string;
  bad: string;
  variant: string;
  report: BisectReport;
}

const slug = (s: string) => s.replace(/[^\w.-]+/g, '_').slice(0, 60);
const specName = (s: SideSpec) => (typeof s === 'string' ? s : s.file);

/** Runs (or resumes, from this host's file or the collector) a bisection to its report. */
export async function runBisection(spec: BisectSpec, ctx: BisectContext): Promise<BisectRun> {
  const { matrix } = spec;
  const { collector, log } = ctx;
  const toolchain = ctx.toolchain ?? kernelToolchain;
  const workDir = join(cacheDir(), 'bisect', `${slug(specName(spec.good))}..${slug(specName(spec.bad))}`);
  const badName = specName(spec.bad);
  const bootVariant =
    matrix.variants.find((v) => v.name === badName) ?? matrix.variants.find((v) => v.source);
  if (!bootVariant?.source)
    throw new BootwatchError('input.invalid', `matrix ${matrix.name} has no variant with a kernel source`);
  const src = await toolchain.source(bootVariant);
  const verdict = { goodOutcome: spec.goodOutcome ?? 'booted', crash: spec.crash ?? null };
  const sideCtx = { matrix, src, collector, workDir, verdict };
  const [good, bad] = [await loadSide(spec.good, sideCtx), await loadSide(spec.bad, sideCtx)];
  const variant = bad.variant ?? good.variant ?? bootVariant;
  log(`good: ${good.label}${good.known ? ` (known: ${good.known.outcome})` : ''}`);
  log(`bad:  ${bad.label}${bad.known ? ` (known: ${bad.known.outcome})` : ''}`);

  const input = {
    good: good.values,
    bad: bad.values,
    goodFragments: good.fragments,
    badFragments: bad.fragments,
    hints: spec.hints === false ? [] : (bad.known?.hints ?? []),
    maxHintTests: spec.hints === false ? 0 : 3,
    known: { good: good.known, bad: bad.known },
    maxBuilds: spec.maxBuilds ?? 24,
    confirm: spec.confirm ?? false,
  };
  // The state belongs to these two configs: a changed side starts over.
  const key = createHash('sha256')
    .update(`${configHash(good.values)} ${configHash(bad.values)} ${JSON.stringify(verdict)}`)
    .digest('hex')
    .slice(0, 16);
  const store = new StateStore({
    key,
    file: resolve(spec.state ?? join(workDir, 'state.json')),
    collector,
    labels: { variant: variant.name, good: good.label, bad: bad.label, agent: ctx.agent ?? hostname() },
    log,
  });
  const saved = spec.fresh ? null : await store.load();
  const state: BisectState = saved
    ? { ...saved, input: { ...saved.input, maxBuilds: input.maxBuilds } }
    : initialState(input);
  await store.save(state, 'running', { force: true });

  const target: BisectTarget = {
    variant,
    src,
    workDir,
    ...verdict,
    collector,
    jobs: spec.jobs,
    log,
    signal: ctx.signal,
  };
  try {
    const { report } = await bisect(state, {
      ...toolchain.deps(target),
      onStep: async (s, step) => {
        // A step evaluated after the abort is the cut-off build's: never keep its verdict.
        if (ctx.signal?.aborted) throw new BootwatchError('harness.failed', 'bisection stopped');
        await store.save(s, 'running');
        collector?.progress({
          variant: `bisect:${variant.name}`,
          phase: 'bisect',
          message: `step ${step.n} ${step.phase}: ${step.verdict}${step.built ? '' : ' (cached)'}, ${s.builds} build(s)`,
        });
      },
    });
    await store.save(state, report.status, { report });
    return { key, good: good.label, bad: bad.label, variant: variant.name, report };
  } catch (err) {
    // Stopped because another agent took the job over: its record is not ours to touch.
    if (!ctx.signal?.aborted) await store.save(state, 'failed', { error: (err as Error).message });
    throw err;
  }
}
