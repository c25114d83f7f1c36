/**
 * The two operations a config bisection needs from a real kernel tree: `resolve` (what
 * olddefconfig makes of some option values) and `evaluate` (build that config with the
 * runner's builder and boot it with the runner's QEMU boot, then say good, bad or skip).
 * Builds hold the host build lock (the builder takes it); every candidate builds in one O= dir, so make and ccache
 * only redo what changed.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Evaluation } from '../../collector/analysis/bisect.ts';
import {
  type ConfigValues,
  configHash,
  parseConfigText,
  renderConfig,
} from '../../collector/analysis/config-diff.ts';
import { sanitizeTitle } from '../../collector/parser/sanitize-title.ts';
import type { ParseResult } from '../../common/types/parse.ts';
import { scratchVariant } from '../../common/variant-names.ts';
import { buildEnv } from '../build/build-kernel.ts';
import { archArgs } from '../build/make.ts';
import type { CollectorClient } from '../collector-client.ts';
import type { ResolvedVariant } from '../matrix/types.ts';
import { runCommand } from '../process.ts';
import { runVariant, type VariantResult } from '../run-matrix.ts';
import type { KernelSource } from '../source.ts';

export interface BisectTarget {
  /** Boot settings, source and matrix of the boots (the bad side's variant). */
  variant: ResolvedVariant;
  src: KernelSource;
  /** Scratch space of this bisection: resolve dir and candidate configs. */
  workDir: string;
  /** A boot with this outcome is good (default `booted`); others are bad. */
  goodOutcome: string;
  /** When set, bad means "shows a crash whose title contains this" instead. */
  crash: string | null;
  collector: CollectorClient | null;
  jobs?: number;
  log: (line: string) => void;
  /** Stops the build or boot under way (an agent that lost its lease). */
  signal?: AbortSignal;
}

/** olddefconfig on the values, in the bisection's own O= dir. */
export function makeResolver(t: BisectTarget): (values: ConfigValues) => Promise<ConfigValues> {
  const dir = join(t.workDir, 'resolve');
  mkdirSync(dir, { recursive: true });
  return async (values) => {
    writeFileSync(join(dir, '.config'), renderConfig(values));
    const r = await runCommand(
      'make',
      ['-C', t.src.dir, `O=${dir}`, ...archArgs(t.variant.arch), 'olddefconfig'],
      {
        env: buildEnv(),
      },
    );
    if (r.spawnError || r.code !== 0)
      throw new Error(
        `make olddefconfig failed (${r.spawnError ?? `exit ${r.code}`}): ${r.output.slice(-300)}`,
      );
    return parseConfigText(readFileSync(join(dir, '.config'), 'utf8'));
  };
}

/** Good, bad or skip for a boot's result. */
export function verdictOf(
  t: Pick<BisectTarget, 'goodOutcome' | 'crash'>,
  outcome: string,
  parse: Pick<ParseResult, 'crashes' | 'diagnosis'> | null,
): Evaluation {
  const first = parse?.crashes.find((c) => c.fatal) ?? parse?.crashes[0];
  const what = first ? `${outcome}: ${first.title}` : outcome;
  const hints = parse?.diagnosis.map((d) => d.option) ?? [];
  // A build that broke or a harness that failed says nothing about the options: skip it, like git bisect.
  if (outcome === 'build_failed' || outcome === 'error' || outcome === 'skipped')
    return { verdict: 'skip', outcome: what, hints };
  if (t.crash) {
    // Spelled as titles are (one space, ASCII, 120 bytes): a title copied from an older report still matches.
    const needle = sanitizeTitle(t.crash);
    const hit = parse?.crashes.some((c) => c.title.includes(needle)) ?? false;
    return { verdict: hit ? 'bad' : 'good', outcome: what, hints };
  }
  return { verdict: outcome === t.goodOutcome ? 'good' : 'bad', outcome: what, hints };
}

/** Builds and boots one resolved config. */
export function makeEvaluator(t: BisectTarget) {
  const configs = join(t.workDir, 'configs');
  mkdirSync(configs, { recursive: true });
  const sources = new Map<string, KernelSource>([
    [`${t.variant.source!.kind}:${t.variant.source!.path}`, t.src],
  ]);
  return async (values: ConfigValues, ctx: { step: number; phase: string }): Promise<Evaluation> => {
    const file = join(configs, `${configHash(values)}.config`);
    writeFileSync(file, renderConfig(values));
    const v: ResolvedVariant = {
      ...t.variant,
      // One O= dir for every candidate: incremental builds.
      name: scratchVariant(t.variant.name, 'bisect'),
      base: { file },
      fragments: [],
      kernel: null,
      skipBoot: false,
    };
    const label = `bisect:${t.variant.name}`;
    t.collector?.progress({ variant: label, phase: 'compile', message: `step ${ctx.step} (${ctx.phase})` });
    t.log(`step ${ctx.step} (${ctx.phase}): building ${file}`);
    // The build takes the host build lock itself, and drops it before the boot.
    const r: VariantResult = await runVariant(v, sources, new Map(), {
      // Stored as a scratch variant: each step links to its build and boot, and no
      // regression detection runs on a series that flips by design.
      collector: t.collector,
      jobs: t.jobs,
      signal: t.signal,
    });
    const e: Evaluation = {
      ...verdictOf(t, r.outcome, r.boot?.parse ?? null),
      buildId: r.buildId,
      bootId: r.delivery?.bootId ?? null,
    };
    const wall = r.build?.input.wallMs;
    t.log(
      `step ${ctx.step}: ${e.verdict} (${e.outcome})${wall ? `, build ${(wall / 1000).toFixed(0)} s` : ''}`,
    );
    t.collector?.progress({
      variant: label,
      phase: 'done',
      message: `step ${ctx.step}: ${e.verdict} — ${e.outcome}`,
    });
    return e;
  };
}
