/** The regression report's facts read from a collector over its REST API (`run`'s hook and `report`). */
import type { ReportSource } from '../../common/report/gather-report.ts';
import type { BootDetail, RegressionDetail, RegressionItem } from '../../common/types/api.ts';

/** A JSON GET against the collector (CollectorClient.request fits). */
export type Fetch = <T>(method: 'GET', path: string) => Promise<T>;

/** The report's source over HTTP. */
export function httpReportSource(get: Fetch): ReportSource {
  const q = (ids: number[], name: string) => (ids.length ? `&${name}=${ids.join(',')}` : '');
  return {
    touched: (bootIds, buildIds) =>
      get<RegressionItem[]>(
        'GET',
        `/api/regressions?status=all&limit=1000${q(bootIds, 'boot')}${q(buildIds, 'build')}`,
      ),
    diffs: (id) => get<RegressionDetail>('GET', `/api/regressions/${id}`),
    diagnosis: async (bootId) =>
      (await get<BootDetail>('GET', `/api/boots/${bootId}`).catch(() => null))?.diagnosis ?? [],
  };
}
