/**
 * The climb with real kernels: each candidate option is resolved with olddefconfig (its unmet
 * Kconfig dependencies added the way the dropped-option report explains them, and checked to
 * land), then built and booted through the runner as the scratch variant `NAME~climb`, so
 * every attempt is a stored build and boot the dashboard links to. The state is saved after
 * every attempt to a file and to the collector (runners/climb/climb-store.ts); the same
 * command, here or on another host, resumes it.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import {
  type ClimbDeps,
  type ClimbEvaluation,
  type ClimbGoal,
  type ClimbState,
  climb,
  initialClimbState,
} from '../../collector/analysis/climb.ts';
import { ARCH_FACTS } from '../../common/arch.ts';
import { BootwatchError } from '../../common/errors.ts';
import type { ConfigFragment } from '../../common/types/ingest.ts';
import { scratchVariant } from '../../common/variant-names.ts';
import { kconfigDependsOn } from '../bisect/kconfig-deps.ts';
import { buildEnv } from '../build/build-kernel.ts';
import { makeConfig } from '../build/config.ts';
import { loadKconfig, parseConfig } from '../build/kconfig.ts';
import type { CollectorClient } from '../collector-client.ts';
import type { ResolvedVariant } from '../matrix/types.ts';
import { cacheDir } from '../paths.ts';
import { runVariant } from '../run-matrix.ts';
import { type KernelSource, prepareSource } from '../source.ts';
import { ClimbStore } from './climb-store.ts';

export interface ClimbSpec {
  variant: ResolvedVariant;
  goals: ClimbGoal[];
  maxBuilds: number;
  /** State file (default under the cache); resumed when it exists unless `fresh`. */
  state?: string;
  fresh?: boolean;
  jobs?: number;
  /** The variant whose boot set-up `variant` carries (`--boot-from`): part of the climb's key. */
  bootFrom?: string;
}

/** The kernel tree and the two steps the search runs on it (tests: a simulated kernel). */
export interface ClimbToolchain {
  source(variant: ResolvedVariant): Promise<KernelSource>;
  deps(
    variant: ResolvedVariant,
    src: KernelSource,
    workDir: string,
    spec: ClimbSpec,
    ctx: ClimbContext,
  ): Pick<ClimbDeps, 'apply' | 'evaluate' | 'unmet' | 'configKey'>;
}

export interface ClimbContext {
  collector: CollectorClient | null;
  log: (line: string) => void;
  /** Who runs it, as the dashboard shows it (default: the host name). */
  agent?: string | null;
  toolchain?: ClimbToolchain;
  /** Stops between attempts (and the build or boot under way): an agent that lost its lease. */
  signal?: AbortSignal;
}

/** Real kernels: olddefconfig, builds and QEMU boots through the runner. */
const kernelToolchain: ClimbToolchain = {
  source: (v) => prepareSource(v.source!),
  deps: (v, src, workDir, spec, ctx) => {
    const resolveDir = join(workDir, 'resolve');
    // Minimise asks about one option set twice (what it drops, which kernel it is): one
    // olddefconfig per set.
    const resolved = new Map<string, Promise<string | null>>();
    const configOf = (options: readonly string[]) => {
      const key = [...options].sort().join(' ');
      let config = resolved.get(key);
      if (!config) {
        config = resolveOptions(v, src, resolveDir, options).then((c) => (c.ok ? c.config : null));
        resolved.set(key, config);
      }
      return config;
    };
    return {
      apply: (options, candidate) => applyOption(v, src, resolveDir, options, candidate),
      unmet: async (options) => unset(options, await configOf(options)),
      configKey: async (options) => configIdentity(await configOf(options), options),
      evaluate: (options, c) => evaluate(v, src, options, c, spec, ctx, join(workDir, 'build')),
    };
  },
};

/** Dependency rounds before an option that will not land is given up. */
const DEPENDENCY_ROUNDS = 4;

const fragmentOf = (options: readonly string[]): ConfigFragment => ({
  name: 'climb',
  content: options.map((o) => `${o}=y\n`).join(''),
});

/**
 * The climb's key: its variant's configs and its goals, the same on every host (a base
 * .config counts by its content, not its path).
 */
export function climbKey(v: ResolvedVariant, goals: readonly ClimbGoal[], bootFrom?: string): string {
  const base =
    typeof v.base === 'string' || !existsSync(v.base.file)
      ? v.base
      : { sha256: createHash('sha256').update(readFileSync(v.base.file)).digest('hex') };
  return (
    createHash('sha256')
      // Booting elsewhere is another climb; without --boot-from the key stays what it always was.
      .update(JSON.stringify([v.name, base, v.fragments, goals, ...(bootFrom ? [bootFrom, v.boot] : [])]))
      .digest('hex')
      .slice(0, 16)
  );
}

/** Runs (or resumes, from this host's file or the collector) a climb with real builds and boots. */
export async function runClimb(spec: ClimbSpec, ctx: ClimbContext): Promise<ClimbState> {
  const v = spec.variant;
  if (!v.source) throw new BootwatchError('input.invalid', `variant ${v.name} has no kernel source to build`);
  const toolchain = ctx.toolchain ?? kernelToolchain;
  const src = await toolchain.source(v);
  const key = climbKey(v, spec.goals, spec.bootFrom);
  const workDir = join(cacheDir(), 'climb', `${v.name}-${key.slice(0, 12)}`);
  const store = new ClimbStore({
    key,
    file: spec.state ?? join(workDir, 'state.json'),
    collector: ctx.collector,
    labels: { matrix: v.matrix, variant: v.name, agent: ctx.agent ?? hostname() },
    log: ctx.log,
  });
  const saved = spec.fresh ? null : await store.load();
  // A climb that spent its budget goes on under a new one.
  const state: ClimbState = saved
    ? {
        ...saved,
        maxBuilds: spec.maxBuilds,
        ...(saved.status === 'budget' ? { status: 'running', stopped: null } : {}),
      }
    : initialClimbState(spec.goals, spec.maxBuilds);
  await store.save(state, 'running');
  // What a failure stores: the state after the last whole attempt, not the one cut off mid-way
  // (its build counted, its candidate marked tried, its verdict missing).
  let whole = structuredClone(state);
  if (state.status === 'stuck')
    ctx.log(
      `climb: it stopped where the diagnosis named nothing; booting that kernel again to read it with today's tables`,
    );
  // Each attempt is logged once (a save without a new attempt, such as a re-read, logs none).
  let logged = state.attempts.length;
  const deps: ClimbDeps = {
    ...toolchain.deps(v, src, workDir, spec, ctx),
    onStep: async (s) => {
      // An attempt judged after the abort is the cut-off build's: never keep it.
      if (ctx.signal?.aborted) throw new BootwatchError('harness.failed', 'climb stopped');
      whole = structuredClone(s);
      await store.save(s, s.status);
      const a = s.attempts.at(-1);
      if (a && a.n > logged) {
        logged = a.n;
        ctx.log(
          `#${a.n} ${a.phase}${a.option ? ` ${a.option}` : ''}: ${a.verdict} — ${a.reason}` +
            `${a.lastStage ? ` [${a.outcome}, ${a.lastStage}]` : ''} (${s.builds}/${s.maxBuilds} builds)`,
        );
      }
    },
  };
  try {
    return await climb(state, deps);
  } catch (err) {
    // Stopped because another agent took the job over: its record is not ours to touch.
    if (!ctx.signal?.aborted) await store.save(whole, 'failed', (err as Error).message);
    throw err;
  }
}

/** The candidate with what it needs, resolved by Kconfig itself; `landed` says whether it stuck. */
async function applyOption(
  v: ResolvedVariant,
  src: KernelSource,
  outDir: string,
  options: readonly string[],
  candidate: string,
) {
  const dependsOn = kconfigDependsOn(src.dir, v.arch);
  const db = loadKconfig(src.dir, ARCH_FACTS[v.arch].srcArch);
  let want = [...options, candidate];
  for (let round = 0; round < DEPENDENCY_ROUNDS; round++) {
    const cfg = await resolveOptions(v, src, outDir, want);
    if (!cfg.ok) return { options: [...options], landed: false, reason: cfg.error };
    const got = parseConfig(cfg.config);
    if (isSet(got, candidate)) return { options: want, landed: true, reason: null };
    // Unmet `depends on` symbols that a user can set: add them and resolve again.
    const missing = dependsOn(candidate).filter((d) => {
      const name = d.replace(/^CONFIG_/, '');
      return !want.includes(d) && got.get(name) !== 'y' && db.get(name)?.hasPrompt !== false;
    });
    const why = cfg.dropped.find((d) => d.option === candidate)?.reason ?? 'Kconfig did not set it';
    if (!missing.length) return { options: [...options], landed: false, reason: why };
    want = [...want.filter((o) => o !== candidate), ...missing, candidate];
  }
  return {
    options: [...options],
    landed: false,
    reason: `still unmet after ${DEPENDENCY_ROUNDS} rounds of dependencies`,
  };
}

/** olddefconfig on the variant's configs plus `options`. */
function resolveOptions(v: ResolvedVariant, src: KernelSource, outDir: string, options: readonly string[]) {
  return makeConfig(
    src.dir,
    outDir,
    v.base,
    [...v.fragments, fragmentOf(options)],
    buildEnv(),
    undefined,
    v.arch,
  );
}

const isSet = (got: Map<string, string>, option: string) => {
  const value = got.get(option.replace(/^CONFIG_/, ''));
  return value === 'y' || value === 'm';
};

/** The options a resolved .config does not set (none known when it did not resolve). */
function unset(options: readonly string[], config: string | null): string[] {
  // A config that does not resolve at all decides nothing: the build will say why.
  if (config === null) return [];
  const got = parseConfig(config);
  return options.filter((o) => !isSet(got, o));
}

/** What makes two .configs one kernel: their settings, not their comments. */
function configIdentity(config: string | null, options: readonly string[]): string {
  // One that does not resolve is known by its options alone: failures are not all one kernel.
  if (config === null) return `options:${[...options].sort().join(' ')}`;
  const settings = config.split('\n').filter((l) => l.startsWith('CONFIG_'));
  return createHash('sha256').update(settings.join('\n')).digest('hex');
}

async function evaluate(
  v: ResolvedVariant,
  src: KernelSource,
  options: readonly string[],
  c: { attempt: number },
  spec: ClimbSpec,
  ctx: ClimbContext,
  buildRoot: string,
): Promise<ClimbEvaluation> {
  const variant: ResolvedVariant = {
    ...v,
    // One O= dir for every attempt of this climb (incremental builds), its own: two climbs of
    // one variant (other goals, another boot) must not build over each other's image.
    // Stored as a scratch variant.
    name: scratchVariant(v.name, 'climb'),
    fragments: [...v.fragments, fragmentOf(options)],
    kernel: null,
    skipBoot: false,
    baseline: null,
  };
  ctx.log(`#${c.attempt}: building with ${options.length} added option(s)`);
  const r = await runVariant(variant, new Map([[`${v.source!.kind}:${v.source!.path}`, src]]), new Map(), {
    collector: ctx.collector,
    jobs: spec.jobs,
    signal: ctx.signal,
    buildRoot,
  });
  const p = r.boot?.parse;
  const lines = r.boot?.console.toString('utf8').trimEnd().split('\n') ?? [];
  return {
    outcome: r.outcome,
    lastStage: p?.lastStage ?? 'no_output',
    milestones: Object.keys(p?.milestones ?? {}),
    marker: r.boot?.finish.endReason === 'marker',
    checks: (r.boot?.finish.checks ?? []).filter((k) => k.ok).map((k) => k.name),
    diagnosis: p?.diagnosis ?? [],
    lastLine: r.error ?? lines.at(-1) ?? '',
    imageBytes: r.build?.input.sizes?.image ?? null,
    buildId: r.buildId,
    bootId: r.delivery?.bootId ?? null,
  };
}
