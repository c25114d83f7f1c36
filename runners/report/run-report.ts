/**
 * Gathers a regression report from a collector over its REST API: the regressions some
 * boots and builds opened (or fixed), each run's config and size differences and diagnosis.
 * Used by `bootwatch run`'s regression hook and by `bootwatch report`.
 */
import type { BootDetail, RegressionDetail, RegressionItem } from '../../common/types/api.ts';
import type { RegressionReport, ReportRun } from './report-format.ts';

/** A JSON GET against the collector (CollectorClient.request fits). */
export type Fetch = <T>(method: 'GET', path: string) => Promise<T>;

export interface ReportScope {
  title: string;
  bootIds: number[];
  buildIds: number[];
  baseUrl: string | null;
}

/** Regressions opened by the scope's runs, grouped per run, and those its runs fixed. */
export async function gatherReport(get: Fetch, scope: ReportScope): Promise<RegressionReport> {
  const q = (ids: number[], name: string) => (ids.length ? `&${name}=${ids.join(',')}` : '');
  const touched =
    scope.bootIds.length || scope.buildIds.length
      ? await get<RegressionItem[]>(
          'GET',
          `/api/regressions?status=all&limit=1000${q(scope.bootIds, 'boot')}${q(scope.buildIds, 'build')}`,
        )
      : [];
  const boots = new Set(scope.bootIds);
  const builds = new Set(scope.buildIds);
  const opened = touched.filter(
    (r) =>
      r.status === 'open' &&
      ((r.bootId != null && boots.has(r.bootId)) ||
        (r.bootId == null && r.buildId != null && builds.has(r.buildId))),
  );
  const fixed = touched.filter(
    (r) =>
      r.status === 'fixed' &&
      ((r.fixedBootId != null && boots.has(r.fixedBootId)) ||
        (r.fixedBuildId != null && builds.has(r.fixedBuildId))),
  );
  const groups = new Map<string, RegressionItem[]>();
  for (const r of opened) {
    const key = `${r.variant}\0${r.bootId}\0${r.buildId}`;
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  const runs: ReportRun[] = [];
  for (const list of groups.values()) {
    list.sort((a, b) => rank(a.severity) - rank(b.severity) || a.id - b.id);
    const first = list[0];
    const detail = await get<RegressionDetail>('GET', `/api/regressions/${first.id}`);
    const boot =
      first.bootId != null
        ? await get<BootDetail>('GET', `/api/boots/${first.bootId}`).catch(() => null)
        : null;
    runs.push({
      variant: first.variant,
      bootId: first.bootId,
      buildId: first.buildId,
      baselineBootId: first.baselineBootId,
      baselineBuildId: first.baselineBuildId,
      regressions: list,
      config: detail.config,
      size: detail.size,
      diagnosis: boot?.diagnosis.slice(0, 3) ?? [],
    });
  }
  runs.sort((a, b) => (a.variant < b.variant ? -1 : a.variant > b.variant ? 1 : 0));
  return { title: scope.title, baseUrl: scope.baseUrl, runs, fixed };
}

const rank = (s: string) => (s === 'high' ? 0 : s === 'medium' ? 1 : 2);
