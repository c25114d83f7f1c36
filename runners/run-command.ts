/** The `run` and `spool` commands: wiring between the CLI, the collector and the runner. */
import { BootwatchError } from '../common/errors.ts';
import { CollectorClient } from './collector-client.ts';
import { openEmbeddedCollector } from './embedded-collector.ts';
import { loadMatrix, pickNamed } from './matrix/load.ts';
import { createProgressView } from './progress-bar.ts';
import { collectorRegressionEngine } from './report/run-hook.ts';
import { formatTable } from './report-table.ts';
import { runMatrix } from './run-matrix.ts';
import { Spool } from './spool.ts';

interface Target {
  client: CollectorClient | null;
  close: () => Promise<void>;
}

/** `--collector URL`, else the collector app in-process on the embedded database. */
async function openTarget(url: string | undefined): Promise<Target> {
  if (url) return { client: new CollectorClient(url), close: async () => {} };
  const emb = await openEmbeddedCollector();
  return { client: new CollectorClient(emb.url), close: emb.close };
}

export async function runCommand(
  file: string,
  opts: { collector?: string; only?: string[]; jobs?: number; json?: boolean },
): Promise<number> {
  const matrix = loadMatrix(file);
  const only = opts.only && pickNamed(matrix, opts.only).map((v) => v.name);
  const target = await openTarget(opts.collector);
  const view = createProgressView();
  try {
    const report = await runMatrix(matrix, {
      collector: target.client,
      // The collector judges regressions against each variant's history; it also writes the report.
      regressions: collectorRegressionEngine,
      only,
      jobs: opts.jobs,
      hooks: {
        onBuildProgress: (v, p) => view.update(v, p),
        onNotice: (t) => process.stderr.write(`\x1b[1;33m${t}\x1b[0m\n`),
        onVariantDone: (r) =>
          process.stderr.write(
            `${r.variant}: ${r.outcome}${r.boot ? ` (${r.boot.input.accel}, ${(r.boot.durationMs / 1000).toFixed(1)} s)` : ''}\n`,
          ),
      },
    });
    view.stop();
    if (opts.json) {
      const rows = report.results.map((r) => ({
        variant: r.variant,
        buildId: r.buildId,
        bootId: r.delivery?.bootId ?? null,
        build: r.build
          ? {
              status: r.build.input.status,
              wallMs: r.build.input.wallMs,
              sizes: r.build.input.sizes,
              dropped: r.build.input.dropped,
            }
          : null,
        outcome: r.outcome,
        stage: r.boot?.stage ?? null,
        accel: r.boot?.input.accel ?? null,
        endReason: r.boot?.finish.endReason ?? null,
        checks: r.boot?.finish.checks ?? [],
        topDiagnosis: r.topDiagnosis,
        delivered: r.delivery?.delivered ?? null,
        error: r.error,
      }));
      process.stdout.write(
        `${JSON.stringify({ matrix: report.matrix, results: rows, regressions: report.regressions, spooled: report.spooled })}\n`,
      );
    } else process.stdout.write(formatTable(report));
    return report.regressions.length ? 1 : 0;
  } finally {
    view.stop();
    await target.close();
  }
}

export async function spoolCommand(action: string, opts: { collector?: string }): Promise<number> {
  if (action === 'list') {
    for (const item of new Spool().pending()) {
      const e = item.read();
      process.stdout.write(`${e.key}\t${e.kind}\t${e.input.variant ?? '-'}\t${item.consoleSize()} bytes\n`);
    }
    return 0;
  }
  if (action !== 'flush')
    throw new BootwatchError('input.invalid', `unknown spool action "${action}" (flush | list)`);
  const target = await openTarget(opts.collector);
  try {
    if (!target.client) throw new BootwatchError('collector.unreachable', 'no collector to flush to');
    const r = await target.client.flush();
    process.stdout.write(`delivered ${r.delivered}, left ${r.left}\n`);
    for (const e of r.errors) process.stderr.write(`${e}\n`);
    return r.left ? 4 : 0;
  } finally {
    await target.close();
  }
}
