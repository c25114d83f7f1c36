/**
 * The two sides of a bisection from what a user names: a variant of the matrix, a stored
 * build id (its config, fragments and, when it booted, its known outcome), or a .config file.
 * A side whose exact config already booted in the collector's history is not built again.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Evaluation, Fragment } from '../../collector/analysis/bisect.ts';
import { type ConfigValues, configHash, parseConfigText } from '../../collector/analysis/config-diff.ts';
import { BootwatchError } from '../../common/errors.ts';
import type { BootDetail, BootSummary, BuildDetail } from '../../common/types/api.ts';
import { buildEnv } from '../build/build-kernel.ts';
import { makeConfig } from '../build/config.ts';
import type { CollectorClient } from '../collector-client.ts';
import type { Matrix, ResolvedVariant } from '../matrix/types.ts';
import type { KernelSource } from '../source.ts';
import { type BisectTarget, verdictOf } from './evaluate.ts';

export interface Side {
  label: string;
  values: ConfigValues;
  fragments?: Fragment[];
  known?: Evaluation;
  variant?: ResolvedVariant;
}

/** A side as named on the command line, or a .config file sent by content (a queued job's other host has no such path). */
export type SideSpec = string | { file: string; content: string };

const fragmentsOf = (list: { name: string; content: string }[]): Fragment[] =>
  list.map((f) => ({ name: f.name, values: parseConfigText(f.content) }));

/** Reads one side: `variant`, `#123`/`123` (build id), a .config path, or a .config's content. */
export async function loadSide(
  spec: SideSpec,
  ctx: {
    matrix: Matrix | null;
    src: KernelSource | null;
    collector: CollectorClient | null;
    workDir: string;
    verdict: Pick<BisectTarget, 'goodOutcome' | 'crash'>;
  },
): Promise<Side> {
  if (typeof spec !== 'string') return { label: spec.file, values: parseConfigText(spec.content) };
  const v = ctx.matrix?.variants.find((x) => x.name === spec);
  if (v) {
    if (!ctx.src)
      throw new BootwatchError('input.invalid', `variant ${spec} has no kernel source to configure`);
    const cfg = await makeConfig(
      ctx.src.dir,
      join(ctx.workDir, `side-${spec}`),
      v.base,
      v.fragments,
      buildEnv(),
      undefined,
      v.arch,
    );
    if (!cfg.ok) throw new BootwatchError('input.invalid', `cannot configure ${spec}: ${cfg.error}`);
    const values = parseConfigText(cfg.config);
    const known = ctx.collector
      ? await knownFromHistory(ctx.collector, spec, values, ctx.verdict)
      : undefined;
    return { label: spec, values, fragments: fragmentsOf(v.fragments), known, variant: v };
  }
  const id = /^#?(\d+)$/.exec(spec)?.[1];
  if (id) {
    if (!ctx.collector) throw new BootwatchError('input.invalid', `build #${id} needs a collector`);
    const b = await ctx.collector.request<BuildDetail>('GET', `/api/builds/${id}`).catch(() => {
      throw new BootwatchError('build.not_found', `no build with id ${id}`);
    });
    if (!b.config) throw new BootwatchError('input.invalid', `build #${id} has no stored .config`);
    const values = parseConfigText(b.config);
    const [boot] = await ctx.collector.request<BootSummary[]>(
      'GET',
      `/api/boots?buildId=${id}&state=finished&limit=1`,
    );
    const known = boot ? await evaluationOf(ctx.collector, boot.id, ctx.verdict) : undefined;
    const variant = ctx.matrix?.variants.find((x) => x.name === b.variant);
    return {
      label: `build #${id} (${b.variant})`,
      values,
      fragments: fragmentsOf(b.fragments),
      known,
      variant,
    };
  }
  if (existsSync(spec)) return { label: spec, values: parseConfigText(readFileSync(spec, 'utf8')) };
  throw new BootwatchError(
    'input.invalid',
    `"${spec}" is not a variant of the matrix, a build id or a .config file`,
  );
}

/** The verdict a stored boot gives. */
async function evaluationOf(
  collector: CollectorClient,
  bootId: number,
  verdict: Pick<BisectTarget, 'goodOutcome' | 'crash'>,
): Promise<Evaluation | undefined> {
  const d = await collector.request<BootDetail>('GET', `/api/boots/${bootId}`);
  if (!d.outcome) return undefined;
  const e = verdictOf(verdict, d.outcome, d);
  return e.verdict === 'skip' ? undefined : { ...e, bootId, buildId: d.buildId };
}

/** The newest stored boot of the variant whose build had exactly these option values. */
async function knownFromHistory(
  collector: CollectorClient,
  variant: string,
  values: ConfigValues,
  verdict: Pick<BisectTarget, 'goodOutcome' | 'crash'>,
): Promise<Evaluation | undefined> {
  const want = configHash(values);
  let boots: BootSummary[] = [];
  try {
    boots = await collector.request<BootSummary[]>(
      'GET',
      `/api/boots?variant=${encodeURIComponent(variant)}&state=finished&limit=10`,
    );
  } catch {
    return undefined;
  }
  for (const b of boots) {
    if (b.buildId == null || b.outcome === 'error') continue;
    const build = await collector.request<BuildDetail>('GET', `/api/builds/${b.buildId}`).catch(() => null);
    if (build?.config && configHash(parseConfigText(build.config)) === want)
      return evaluationOf(collector, b.id, verdict);
  }
  return undefined;
}
