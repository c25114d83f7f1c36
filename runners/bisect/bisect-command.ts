/**
 * `bootwatch bisect --good X --bad Y`: which option(s) of the difference flip the boot.
 * Real builds and boots through the runner, Kconfig-aware search from collector/analysis,
 * state saved after every step (re-run the same command to resume), progress on the
 * collector's live feed, and a report of every step and the number of builds.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  type BisectReport,
  type BisectState,
  bisect,
  initialState,
} from '../../collector/analysis/bisect.ts';
import { configHash } from '../../collector/analysis/config-diff.ts';
import { BootwatchError } from '../../common/errors.ts';
import { CollectorClient } from '../collector-client.ts';
import { openEmbeddedCollector } from '../embedded-collector.ts';
import { loadMatrix } from '../matrix/load.ts';
import { cacheDir } from '../paths.ts';
import { prepareSource } from '../source.ts';
import { makeEvaluator, makeResolver } from './evaluate.ts';
import { kconfigDependsOn } from './kconfig-deps.ts';
import { loadSide } from './sides.ts';

export interface BisectOptions {
  good: string;
  bad: string;
  matrix?: string;
  maxBuilds?: number;
  crash?: string;
  goodOutcome?: string;
  collector?: string;
  state?: string;
  fresh?: boolean;
  confirm?: boolean;
  hints?: boolean;
  jobs?: number;
  json?: boolean;
}

const slug = (s: string) => s.replace(/[^\w.-]+/g, '_').slice(0, 60);

/** Runs (or resumes) a bisection; exit 0 when a culprit was found. */
export async function bisectCommand(opts: BisectOptions): Promise<number> {
  if (!opts.matrix)
    throw new BootwatchError('input.invalid', '--matrix FILE is needed: it says how to boot the kernels');
  const matrix = loadMatrix(opts.matrix);
  const emb = opts.collector ? null : await openEmbeddedCollector();
  const url = opts.collector ?? emb?.url;
  const collector = url ? new CollectorClient(url) : null;
  const log = (line: string) => process.stderr.write(`bisect: ${line}\n`);
  try {
    const id = `${slug(opts.good)}..${slug(opts.bad)}`;
    const workDir = join(cacheDir(), 'bisect', id);
    mkdirSync(workDir, { recursive: true });
    const bootVariant =
      matrix.variants.find((v) => v.name === opts.bad) ?? matrix.variants.find((v) => v.source);
    if (!bootVariant?.source)
      throw new BootwatchError('input.invalid', `${opts.matrix} has no variant with a kernel source`);
    const src = await prepareSource(bootVariant.source);
    const verdict = { goodOutcome: opts.goodOutcome ?? 'booted', crash: opts.crash ?? null };
    const ctx = { matrix, src, collector, workDir, verdict };
    const [good, bad] = [await loadSide(opts.good, ctx), await loadSide(opts.bad, ctx)];
    const variant = bad.variant ?? good.variant ?? bootVariant;
    log(`good: ${good.label}${good.known ? ` (known: ${good.known.outcome})` : ''}`);
    log(`bad:  ${bad.label}${bad.known ? ` (known: ${bad.known.outcome})` : ''}`);

    const input = {
      good: good.values,
      bad: bad.values,
      goodFragments: good.fragments,
      badFragments: bad.fragments,
      hints: opts.hints === false ? [] : (bad.known?.hints ?? []),
      maxHintTests: opts.hints === false ? 0 : 3,
      known: { good: good.known, bad: bad.known },
      maxBuilds: opts.maxBuilds ?? 24,
      confirm: opts.confirm ?? false,
    };
    // The state belongs to these two configs: a changed side starts over.
    const key = createHash('sha256')
      .update(`${configHash(good.values)} ${configHash(bad.values)} ${JSON.stringify(verdict)}`)
      .digest('hex')
      .slice(0, 16);
    const stateFile = resolve(opts.state ?? join(workDir, 'state.json'));
    let state: BisectState = initialState(input);
    if (!opts.fresh && existsSync(stateFile)) {
      const saved = JSON.parse(readFileSync(stateFile, 'utf8')) as BisectState & { key?: string };
      if (saved.key === key) {
        state = { ...saved, input: { ...saved.input, maxBuilds: input.maxBuilds } };
        log(`resuming from ${stateFile} (${saved.builds} build(s) done)`);
      } else log(`${stateFile} belongs to other configs: starting over`);
    }
    const save = (s: BisectState) => {
      writeFileSync(`${stateFile}.tmp`, `${JSON.stringify({ ...s, key })}\n`);
      renameSync(`${stateFile}.tmp`, stateFile);
    };
    const target = { variant, src, workDir, ...verdict, collector, jobs: opts.jobs, log };
    const { report } = await bisect(state, {
      resolve: makeResolver(target),
      evaluate: makeEvaluator(target),
      dependsOn: kconfigDependsOn(src.dir),
      onStep: (s, step) => {
        save(s);
        collector?.progress({
          variant: `bisect:${variant.name}`,
          phase: 'bisect',
          message: `step ${step.n} ${step.phase}: ${step.verdict}${step.built ? '' : ' (cached)'}, ${s.builds} build(s)`,
        });
      },
    });
    save({ ...state, report });
    process.stdout.write(
      opts.json
        ? `${JSON.stringify({ good: good.label, bad: bad.label, ...report })}\n`
        : formatBisect(good.label, bad.label, report),
    );
    return report.status === 'found' ? 0 : 1;
  } finally {
    await emb?.close();
  }
}

/** The human report: every step, the culprits, the build count. */
export function formatBisect(good: string, bad: string, r: BisectReport): string {
  const out = [
    `bisect ${good} (good) .. ${bad} (bad): ${r.differing} differing options, ${r.builds} build(s)`,
    '',
  ];
  for (const s of r.steps) {
    const tried =
      s.tried.length > 3 ? `${s.tried.slice(0, 3).join(' ')} +${s.tried.length - 3}` : s.tried.join(' ');
    out.push(
      `  ${String(s.n).padStart(2)} ${s.phase.padEnd(8)} ${s.verdict.padEnd(4)} ${s.built ? 'built ' : 'cached'} ${String(s.distance).padStart(4)} opts from good  ${tried}  → ${s.outcome}`,
    );
  }
  out.push('', `${r.status}: ${r.message}`);
  for (const c of r.culprits)
    out.push(
      `  culprit ${c.option}: ${c.good ?? 'unset'} in good, ${c.bad ?? 'unset'} in bad (${c.via}${c.confirmed ? ', confirmed alone' : ''})${c.with.length ? `; with ${c.with.join(' ')}` : ''}`,
    );
  if (r.suspects.length) out.push(`  suspects: ${r.suspects.join(' ')}`);
  return `${out.join('\n')}\n`;
}
