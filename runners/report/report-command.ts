/** `bootwatch report`: the regression report of a run (default: the latest), or of all open regressions. */
import { BootwatchError } from '../../common/errors.ts';
import { gatherReport } from '../../common/report/gather-report.ts';
import { formatReport } from '../../common/report/report-format.ts';
import type { RegressionItem, RunRecord } from '../../common/types/api.ts';
import { CollectorClient } from '../collector-client.ts';
import { openEmbeddedCollector } from '../embedded-collector.ts';
import { writeReport } from './run-hook.ts';
import { httpReportSource } from './run-report.ts';

export interface ReportOptions {
  collector?: string;
  run?: string;
  open?: boolean;
  json?: boolean;
  out?: string;
}

/** Prints (and with --out writes) the report; exit 1 when it lists regressions, like `run`. */
export async function reportCommand(opts: ReportOptions): Promise<number> {
  const emb = opts.collector ? null : await openEmbeddedCollector();
  const url = opts.collector ?? emb?.url;
  if (!url) throw new BootwatchError('collector.unreachable', 'no collector: pass --collector URL');
  const client = new CollectorClient(url);
  const get = <T>(method: 'GET', path: string) =>
    client.request<T>(method, path, undefined, undefined, 30_000);
  try {
    let scope: { title: string; bootIds: number[]; buildIds: number[] };
    if (opts.open) {
      const open = await get<RegressionItem[]>('GET', '/api/regressions?status=open&limit=1000');
      scope = {
        title: 'bootwatch: open regressions',
        bootIds: open.flatMap((r) => (r.bootId != null ? [r.bootId] : [])),
        buildIds: open.flatMap((r) => (r.buildId != null ? [r.buildId] : [])),
      };
    } else {
      const run = await get<RunRecord>('GET', `/api/runs/${opts.run ?? 'latest'}`).catch(() => {
        throw new BootwatchError('route.not_found', `no recorded run ${opts.run ?? 'yet'}; try --open`);
      });
      scope = {
        title: `bootwatch: ${run.matrix} run ${run.id}`,
        bootIds: run.results.flatMap((r) => (r.bootId != null ? [r.bootId] : [])),
        buildIds: run.buildIds,
      };
    }
    const report = await gatherReport(httpReportSource(get), { ...scope, baseUrl: opts.collector ?? null });
    if (opts.out) process.stderr.write(`report: ${writeReport(report, 'report', opts.out)}\n`);
    process.stdout.write(opts.json ? `${JSON.stringify(report)}\n` : formatReport(report));
    return report.runs.length ? 1 : 0;
  } finally {
    await emb?.close();
  }
}
