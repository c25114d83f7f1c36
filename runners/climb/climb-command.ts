/**
 * `bootwatch climb MATRIX VARIANT --goal GOAL`: from a kernel that does not boot to one that
 * does, by itself (collector/analysis/climb.ts searches, runners/climb/run-climb.ts builds and
 * boots). Prints every attempt, then the minimal fragment and the ladder it found as a matrix
 * file in the seed ladder's form; the same command (or `--resume ID` on another host) resumes
 * a climb that was cut off, and `--queue` hands it to an agent.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { isAbsolute, relative, resolve } from 'node:path';
import { stringify } from 'yaml';
import { type ClimbState, climbFragment, climbRungs } from '../../collector/analysis/climb.ts';
import { BootwatchError } from '../../common/errors.ts';
import { CLIMB_GOALS, type ClimbGoal } from '../../common/schemas/climbs.ts';
import { needQueue } from '../agent/agent-command.ts';
import { openJobSink, submitSearch } from '../agent/queue.ts';
import { CollectorClient } from '../collector-client.ts';
import { openEmbeddedCollector } from '../embedded-collector.ts';
import { bootSpecOf } from '../matrix/boot-spec.ts';
import { loadMatrix, pickNamed } from '../matrix/load.ts';
import type { Matrix, ResolvedVariant } from '../matrix/types.ts';
import { type ClimbToolchain, climbKey, runClimb } from './run-climb.ts';

export interface ClimbOptions {
  /** Required unless resuming a stored climb, whose goals it then must match. */
  goal?: string;
  /** A climb stored in the collector to resume (its variant and goals). */
  resume?: number;
  /** Queue the climb for an agent instead of running it here. */
  queue?: boolean;
  database?: string;
  maxBuilds?: number;
  collector?: string;
  state?: string;
  fresh?: boolean;
  jobs?: number;
  /** Where the fragment and the ladder go (default: beside the matrix). */
  out?: string;
  /** Boot every attempt the way this variant of the matrix boots (its disk, initramfs, markers). */
  bootFrom?: string;
  json?: boolean;
}

function parseGoals(text: string): ClimbGoal[] {
  const goals = text
    .split(',')
    .map((g) => g.trim())
    .filter(Boolean);
  const bad = goals.filter((g) => !(CLIMB_GOALS as readonly string[]).includes(g));
  if (!goals.length || bad.length)
    throw new BootwatchError(
      'input.invalid',
      `--goal: ${bad.length ? `unknown goal ${bad.join(', ')}` : 'none given'} (goals: ${CLIMB_GOALS.join(', ')})`,
    );
  return goals as ClimbGoal[];
}

/** Runs (or resumes) a climb; exit 0 when the goal was reached. With `queue`, submits it. */
export async function climbCommand(
  matrixFile: string,
  variantName: string | undefined,
  opts: ClimbOptions,
  /** Tests climb simulated kernels; everything else real ones. */
  toolchain?: ClimbToolchain,
): Promise<number> {
  const matrix = loadMatrix(matrixFile);
  const maxBuilds = opts.maxBuilds ?? 20;
  if (!Number.isInteger(maxBuilds) || maxBuilds < 1 || maxBuilds > 500)
    throw new BootwatchError('input.invalid', '--max-builds: a whole number from 1 to 500');
  if (opts.queue && opts.resume == null) {
    const { variant, goals, bootFrom } = pickVariant(matrix, variantName, opts.goal, opts.bootFrom);
    return queueClimb(opts, { variant, goals, maxBuilds, bootFrom });
  }
  const emb = opts.collector ? null : await openEmbeddedCollector();
  const url = opts.collector ?? emb?.url;
  const collector = url ? new CollectorClient(url) : null;
  try {
    const { variant, goals, bootFrom } =
      opts.resume != null
        ? await resumed(matrix, variantName, opts, collector)
        : pickVariant(matrix, variantName, opts.goal, opts.bootFrom);
    if (bootFrom) process.stderr.write(`climb: every attempt boots as ${bootFrom} boots\n`);
    if (opts.queue) return await queueClimb(opts, { variant, goals, maxBuilds, bootFrom });
    const state = await runClimb(
      { variant, goals, maxBuilds, state: opts.state, fresh: opts.fresh, jobs: opts.jobs, bootFrom },
      { collector, log: (line) => process.stderr.write(`climb: ${line}\n`), toolchain },
    );
    const out = resolve(opts.out ?? resolve(matrix.file, '..'));
    const base = `${variant.name.replace(/[^\w.-]/g, '_')}-climb`;
    const fragmentFile = resolve(out, `${base}.config`);
    const ladderFile = resolve(out, `${base}.yaml`);
    // A climb's hours must not be lost to an --out directory nobody made yet.
    mkdirSync(out, { recursive: true });
    writeFileSync(fragmentFile, climbFragment(state));
    writeFileSync(ladderFile, ladderYaml(matrix, variant, state, ladderFile, bootFrom));
    if (opts.json) process.stdout.write(`${JSON.stringify({ ...state, fragmentFile, ladderFile })}\n`);
    else process.stdout.write(formatClimb(state, fragmentFile, ladderFile));
    return state.status === 'reached' ? 0 : 1;
  } finally {
    await emb?.close();
  }
}

export function pickVariant(
  matrix: Matrix,
  name: string | undefined,
  goal: string | undefined,
  bootFrom: string | undefined,
) {
  if (!name) throw new BootwatchError('input.invalid', 'name the VARIANT to climb from (or --resume ID)');
  if (!goal) throw new BootwatchError('input.invalid', '--goal: none given');
  const picked = pickNamed(matrix, [name]);
  if (picked.length > 1)
    throw new BootwatchError(
      'input.invalid',
      `"${name}" exists on several arches: name one (${picked.map((v) => v.name).join(', ')})`,
    );
  const goals = parseGoals(goal);
  const start = picked[0];
  // The kernel is the one climbed from; the machine it boots on may be another rung's.
  const from =
    bootFrom === undefined
      ? canShow(start.boot, goals)
        ? start
        : (matrix.variants.find((v) => v.arch === start.arch && canShow(v.boot, goals)) ?? start)
      : pickNamed(matrix, [bootFrom]).find((v) => v.arch === start.arch);
  if (!from)
    throw new BootwatchError('input.invalid', `--boot-from: ${bootFrom} has no ${start.arch} variant`);
  if (from === start) return { variant: start, goals, bootFrom: undefined };
  return { variant: { ...start, boot: from.boot }, goals, bootFrom: from.name };
}

/**
 * Whether a boot set-up can show every goal: a root disk for `root_mounted`, the port check
 * for `network`, a marker to see, `login:` among the markers for `login`. A climb from
 * allnoconfig to the root disk boots, by default, as the ladder's first rung that has one.
 */
function canShow(boot: ResolvedVariant['boot'], goals: readonly ClimbGoal[]): boolean {
  return goals.every((g) => {
    if (g === 'root_mounted') return boot.disk?.root === true;
    if (g === 'network') return boot.net?.check === true;
    if (g === 'marker') return boot.markers.length > 0;
    if (g === 'login') return boot.disk?.root === true && boot.markers.some((m) => /login/.test(m));
    return true;
  });
}

/** `--resume ID`: the stored climb's variant and goals, checked to be this matrix's same climb. */
async function resumed(
  matrix: Matrix,
  name: string | undefined,
  opts: ClimbOptions,
  collector: CollectorClient | null,
) {
  const id = opts.resume!;
  if (!Number.isInteger(id) || id < 1) throw new BootwatchError('input.invalid', '--resume: a climb id');
  const stored = await collector?.getClimb(id);
  if (!stored) throw new BootwatchError('input.invalid', `--resume: the collector has no climb ${id}`);
  if (name && name !== stored.variant)
    throw new BootwatchError('input.invalid', `climb ${id} climbs ${stored.variant}, not ${name}`);
  const picked = pickVariant(matrix, stored.variant, opts.goal ?? stored.goals.join(','), opts.bootFrom);
  if (climbKey(picked.variant, picked.goals, picked.bootFrom) !== stored.key)
    throw new BootwatchError(
      'input.invalid',
      `climb ${id} started from another ${stored.variant} (its configs, goals or --boot-from differ in ${matrix.file})`,
    );
  return picked;
}

/** Sends the climb to the agents: the variant travels resolved, with its fragments inlined. */
async function queueClimb(
  opts: ClimbOptions,
  c: { variant: ResolvedVariant; goals: ClimbGoal[]; maxBuilds: number; bootFrom?: string },
): Promise<number> {
  if (opts.state)
    throw new BootwatchError('input.invalid', '--state names a file on this host: an agent cannot use it');
  const sink = await openJobSink(needQueue({ database: opts.database, collector: opts.collector }));
  try {
    const id = await submitSearch(sink, {
      kind: 'climb',
      collector: opts.collector ?? null,
      ...c,
      jobs: opts.jobs,
      fresh: opts.fresh,
    });
    process.stdout.write(`${id}\n`);
    return 0;
  } finally {
    await sink.close();
  }
}

/**
 * The ladder the climb found, in the seed ladder's form: the climbed variant as the first
 * rung, then one variant per kept option (with the dependencies it brought), each described
 * by the symptom it fixed. Options minimised away are left out.
 */
function ladderYaml(
  matrix: Matrix,
  v: ResolvedVariant,
  s: ClimbState,
  file: string,
  bootFrom: string | undefined,
): string {
  // Paths inside the working tree stay relative to the ladder file; a system path
  // (/usr/src/linux-source-6.1.tar.xz) stays as it is wherever the file is moved.
  const rel = (p: string) =>
    isAbsolute(p) && relative(process.cwd(), p).startsWith('..') ? p : relative(resolve(file, '..'), p);
  const source = v.source ? { [v.source.kind === 'dir' ? 'dir' : 'tarball']: rel(v.source.path) } : undefined;
  // The goals are in every name: two climbs of one variant are two ladders, never one history.
  const bare = `${v.name.replace(/@.*$/, '')}-to-${s.goals.join('-')}`;
  // Each rung's config lines: its option and what came with it, less what minimising dropped.
  const rungs = climbRungs(s)
    .map((r) => ({ fixed: r.fixed, lines: [...r.with, r.option].filter((o) => s.options.includes(o)) }))
    .filter((r) => r.lines.length);
  const variants: Record<string, unknown>[] = [
    {
      name: `${bare}-00`,
      description: `as climbed from: ${v.description ?? v.name}`,
      base: typeof v.base === 'string' ? v.base : { file: rel(v.base.file) },
      ...(v.fragments.length
        ? { fragments: v.fragments.map((f) => ({ name: f.name, lines: f.content.trimEnd().split('\n') })) }
        : {}),
    },
    ...rungs.map((r, i) => ({
      name: `${bare}-${String(i + 1).padStart(2, '0')}`,
      extends: `${bare}-${String(i).padStart(2, '0')}`,
      description: `fixes ${r.fixed}`,
      config: r.lines.map((o) => `${o}=y`),
    })),
  ];
  const doc = {
    name: `${matrix.name}-climb-to-${s.goals.join('-')}`,
    ...(v.arch !== 'x86_64' ? { arch: v.arch } : {}),
    ...(source ? { source } : {}),
    // The boot every attempt had, so `bootwatch run` on this file replays the climb's boots.
    boot: bootSpecOf(v.boot, v.arch),
    variants,
  };
  const how = bootFrom ? ` --boot-from ${bootFrom}` : '';
  const boots = bootFrom ? ` (${bootFrom}'s)` : '';
  return `# Found by: bootwatch climb ${relative(process.cwd(), matrix.file)} ${v.name} --goal ${s.goals.join(',')}${how}\n# Boots as every attempt of the climb did${boots}: \`bootwatch run\` on this file replays it.\n${stringify(doc)}`;
}

function formatClimb(s: ClimbState, fragmentFile: string, ladderFile: string): string {
  const lines = [
    `climb: ${s.status} after ${s.builds} build(s) of ${s.maxBuilds}${s.stopped ? ` — ${s.stopped}` : ''}`,
  ];
  for (const a of s.attempts)
    lines.push(
      `  #${a.n} ${a.phase.padEnd(8)} ${(a.option ?? '(as given)').padEnd(32)} ${a.verdict.padEnd(10)} ${a.lastStage ?? '-'}  ${a.reason}`,
    );
  lines.push(`fragment (${s.options.length} option(s)): ${fragmentFile}`, `ladder: ${ladderFile}`, '');
  return lines.join('\n');
}
