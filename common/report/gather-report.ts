/**
 * Gathers a regression report from wherever the regressions are read: the regressions some
 * boots and builds opened (or fixed), each run's config and size differences and diagnosis.
 * The runners read them over the REST API (`bootwatch run`, `bootwatch report`), the
 * collector's alert mails straight from the database.
 */
import type { BloatDiff, ConfigDiffResult, RegressionItem } from '../types/api.ts';
import type { Diagnosis } from '../types/parse.ts';
import type { RegressionReport, ReportRun } from './report-format.ts';

/** Where a report's facts come from. */
export interface ReportSource {
  /** Every regression (open or fixed) these boots or builds opened or fixed. */
  touched(bootIds: number[], buildIds: number[]): Promise<RegressionItem[]>;
  /** A regression's config and size differences between its baseline and its run. */
  diffs(id: number): Promise<{ config: ConfigDiffResult | null; size: BloatDiff | null }>;
  /** A boot's diagnosis, best first (empty when the boot is gone). */
  diagnosis(bootId: number): Promise<Diagnosis[]>;
}

export interface ReportScope {
  title: string;
  bootIds: number[];
  buildIds: number[];
  baseUrl: string | null;
}

/** Regressions opened by the scope's runs, grouped per run, and those its runs fixed. */
export async function gatherReport(source: ReportSource, scope: ReportScope): Promise<RegressionReport> {
  const touched =
    scope.bootIds.length || scope.buildIds.length ? await source.touched(scope.bootIds, scope.buildIds) : [];
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
    const diffs = await source.diffs(first.id);
    runs.push({
      variant: first.variant,
      bootId: first.bootId,
      buildId: first.buildId,
      baselineBootId: first.baselineBootId,
      baselineBuildId: first.baselineBuildId,
      regressions: list,
      config: diffs.config,
      size: diffs.size,
      diagnosis: first.bootId != null ? (await source.diagnosis(first.bootId)).slice(0, 3) : [],
    });
  }
  runs.sort((a, b) => (a.variant < b.variant ? -1 : a.variant > b.variant ? 1 : 0));
  return { title: scope.title, baseUrl: scope.baseUrl, runs, fixed };
}

const rank = (s: string) => (s === 'high' ? 0 : s === 'medium' ? 1 : 2);
