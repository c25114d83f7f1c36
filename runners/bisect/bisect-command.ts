/**
 * `bootwatch bisect --good X --bad Y`: which option(s) of the difference flip the boot.
 * Real builds and boots through the runner, Kconfig-aware search from collector/analysis,
 * state saved after every step to a file and to the collector (re-run the same command, on
 * any host, to resume), progress on the dashboard, and a report of every step and the
 * number of builds. With `--queue` the bisection becomes a job an agent runs.
 */
import { existsSync, readFileSync } from 'node:fs';
import type { BisectReport } from '../../collector/analysis/bisect.ts';
import { BootwatchError } from '../../common/errors.ts';
import { needQueue } from '../agent/agent-command.ts';
import { type BisectJob, openJobSink, submitSearch } from '../agent/queue.ts';
import { CollectorClient } from '../collector-client.ts';
import { openEmbeddedCollector } from '../embedded-collector.ts';
import { loadMatrix } from '../matrix/load.ts';
import type { Matrix } from '../matrix/types.ts';
import { runBisection } from './run-bisection.ts';
import type { SideSpec } from './sides.ts';

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
  /** Queue the bisection for an agent instead of running it here. */
  queue?: boolean;
  database?: string;
}

/** Runs (or resumes) a bisection; exit 0 when a culprit was found. With `queue`, submits it. */
export async function bisectCommand(opts: BisectOptions): Promise<number> {
  if (!opts.matrix)
    throw new BootwatchError('input.invalid', '--matrix FILE is needed: it says how to boot the kernels');
  const matrix = loadMatrix(opts.matrix);
  if (opts.queue) return queueBisection(opts, matrix);
  const emb = opts.collector ? null : await openEmbeddedCollector();
  const url = opts.collector ?? emb?.url;
  const collector = url ? new CollectorClient(url) : null;
  const log = (line: string) => process.stderr.write(`bisect: ${line}\n`);
  try {
    const run = await runBisection({ ...opts, matrix }, { collector, log });
    process.stdout.write(
      opts.json
        ? `${JSON.stringify({ good: run.good, bad: run.bad, ...run.report })}\n`
        : formatBisect(run.good, run.bad, run.report),
    );
    return run.report.status === 'found' ? 0 : 1;
  } finally {
    await emb?.close();
  }
}

/** A side as an agent on another host can read it: a .config file travels as its content. */
function portableSide(spec: string, matrix: Matrix): SideSpec {
  if (matrix.variants.some((v) => v.name === spec) || /^#?\d+$/.test(spec)) return spec;
  if (existsSync(spec)) return { file: spec, content: readFileSync(spec, 'utf8') };
  throw new BootwatchError(
    'input.invalid',
    `"${spec}" is not a variant of the matrix, a build id or a .config file`,
  );
}

async function queueBisection(opts: BisectOptions, matrix: Matrix): Promise<number> {
  if (opts.state)
    throw new BootwatchError('input.invalid', '--state names a file on this host: an agent cannot use it');
  const job: BisectJob = {
    kind: 'bisect',
    collector: opts.collector ?? null,
    spec: {
      good: portableSide(opts.good, matrix),
      bad: portableSide(opts.bad, matrix),
      // Resolved: fragments are inlined, so the agent needs no copy of the matrix's files.
      matrix,
      maxBuilds: opts.maxBuilds,
      crash: opts.crash,
      goodOutcome: opts.goodOutcome,
      confirm: opts.confirm,
      hints: opts.hints,
      jobs: opts.jobs,
      fresh: opts.fresh,
    },
  };
  const sink = await openJobSink(needQueue({ database: opts.database, collector: opts.collector }));
  try {
    const id = await submitSearch(sink, job);
    process.stdout.write(`${id}\n`);
    return 0;
  } finally {
    await sink.close();
  }
}

/** The human report: every step, the culprits, the build count. */
function formatBisect(good: string, bad: string, r: BisectReport): string {
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
