/**
 * `bootwatch run`'s regression engine (passed to runMatrix by run-command.ts): the collector judged
 * every build and boot as it arrived; this asks it which regressions the run opened, records
 * the run (for its JUnit report), writes the mailing-list report (text + JSON) and returns
 * the regressions so `run` exits non-zero. In-run `baseline:` variants are still compared.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { gatherReport } from '../../common/report/gather-report.ts';
import { formatReport, type RegressionReport } from '../../common/report/report-format.ts';
import { setting } from '../../common/settings.ts';
import type { BootDetail, BuildSummary } from '../../common/types/api.ts';
import type { CollectorClient } from '../collector-client.ts';
import { defaultRegressionEngine, type Regression, type RegressionEngine } from '../regression.ts';
import { httpReportSource } from './run-report.ts';

/** Where run reports go: `$BOOTWATCH_REPORT_DIR`, else `reports/` in the data directory. */
function reportDir(): string {
  return resolve(setting('BOOTWATCH_REPORT_DIR') ?? join(setting('BOOTWATCH_DATA'), 'reports'));
}

/** Writes `<dir>/<name>.txt` and `.json`; returns the text file's path. */
export function writeReport(report: RegressionReport, name: string, dir = reportDir()): string {
  mkdirSync(dir, { recursive: true });
  const txt = join(dir, `${name}.txt`);
  writeFileSync(txt, formatReport(report));
  writeFileSync(join(dir, `${name}.json`), `${JSON.stringify(report, null, 2)}\n`);
  return txt;
}

/** The collector-backed engine; falls back to the in-run comparison when the collector is away. */
export const collectorRegressionEngine: RegressionEngine = async (runs, collector) => {
  const inRun = await defaultRegressionEngine(runs, null);
  if (!collector) return inRun;
  try {
    return [...inRun, ...(await fromCollector(runs, collector, inRun))];
  } catch (err) {
    process.stderr.write(
      `bootwatch: the collector's regressions are unavailable: ${(err as Error).message}\n`,
    );
    return defaultRegressionEngine(runs, collector);
  }
};

async function fromCollector(
  runs: Parameters<RegressionEngine>[0],
  collector: CollectorClient,
  inRun: Regression[],
): Promise<Regression[]> {
  const get = <T>(method: 'GET', path: string) =>
    collector.request<T>(method, path, undefined, undefined, 30_000);
  const bootIds = runs.flatMap((r) => (r.bootId != null ? [r.bootId] : []));
  const results: { variant: string; outcome: string; bootId: number | null; buildId: number | null }[] = [];
  let matrix: string | null = null;
  for (const r of runs) {
    let buildId: number | null = null;
    if (r.bootId != null) buildId = (await get<BootDetail>('GET', `/api/boots/${r.bootId}`)).buildId;
    else if (r.outcome === 'build_failed')
      buildId =
        (await get<BuildSummary[]>('GET', `/api/builds?variant=${encodeURIComponent(r.variant)}&limit=1`))[0]
          ?.id ?? null;
    if (buildId != null && !matrix)
      matrix = (await get<{ matrix: string | null }>('GET', `/api/builds/${buildId}`)).matrix;
    results.push({ variant: r.variant, outcome: r.outcome, bootId: r.bootId, buildId });
  }
  const { id } = await collector.request<{ id: number }>('POST', '/api/runs', {
    matrix: matrix ?? 'run',
    results,
  });
  const report = await gatherReport(httpReportSource(get), {
    title: `bootwatch: ${matrix ?? 'run'} run ${id}`,
    bootIds,
    buildIds: results.flatMap((r) => (r.buildId != null ? [r.buildId] : [])),
    baseUrl: collector.baseUrl,
  });
  const found = report.runs.flatMap((x) => x.regressions);
  if (found.length || report.fixed.length) {
    const file = writeReport(report, `run-${id}`);
    process.stderr.write(
      `\n${formatReport(report)}\nreport: ${file} (and .json); JUnit: ${collector.baseUrl}/api/runs/${id}/junit.xml\n`,
    );
  }
  // The in-run baseline comparison already names outcome changes against another variant.
  return found
    .filter((g) => !(g.kind === 'outcome' && inRun.some((x) => x.variant === g.variant && x.now === g.now)))
    .map((g) => ({
      variant: g.variant,
      against: g.baselineBootId != null ? `boot #${g.baselineBootId}` : `build #${g.baselineBuildId ?? '?'}`,
      // The table prints `was → now`: an outcome reads as such, anything else by its title.
      was: g.kind === 'outcome' && g.was != null ? String(g.was) : g.kind,
      now: g.kind === 'outcome' ? String(g.now) : g.title,
    }));
}
