/**
 * The regression report a person pastes into a mailing-list reply: plain text, under 80
 * columns where the data allows, each regression with its evidence lines, then per run the
 * diagnosis, the config diff (scripts/diffconfig) and the top size changes (bloat-o-meter).
 */
import type { BloatDiff, ConfigDiffResult, RegressionItem } from '../types/api.ts';
import type { Diagnosis } from '../types/parse.ts';

/** One variant's run that regressed, with what explains it. */
export interface ReportRun {
  variant: string;
  bootId: number | null;
  buildId: number | null;
  baselineBootId: number | null;
  baselineBuildId: number | null;
  regressions: RegressionItem[];
  config: ConfigDiffResult | null;
  size: BloatDiff | null;
  diagnosis: Diagnosis[];
}

export interface RegressionReport {
  title: string;
  /** Where the dashboard lives, for links (null: no links). */
  baseUrl: string | null;
  runs: ReportRun[];
  /** Regressions this run showed fixed. */
  fixed: RegressionItem[];
}

const MAX_CONFIG_LINES = 40;
const MAX_SIZE_LINES = 12;

const run = (bootId: number | null, buildId: number | null) =>
  [buildId != null ? `build #${buildId}` : null, bootId != null ? `boot #${bootId}` : null]
    .filter(Boolean)
    .join(', ') || 'no run';

/** The plain-text report. */
export function formatReport(r: RegressionReport): string {
  const total = r.runs.reduce((n, x) => n + x.regressions.length, 0);
  const out = [
    `${r.title}: ${total} regression${total === 1 ? '' : 's'}${r.fixed.length ? `, ${r.fixed.length} fixed` : ''}`,
    '',
  ];
  let n = 0;
  for (const x of r.runs) {
    out.push(
      `== ${x.variant}: ${run(x.bootId, x.buildId)} against ${run(x.baselineBootId, x.baselineBuildId)}`,
    );
    if (r.baseUrl && x.bootId != null)
      out.push(`   ${r.baseUrl}/api/compare?a=${x.baselineBootId ?? ''}&b=${x.bootId}`.replace('a=&', ''));
    out.push('');
    // A panic is both the outcome change and a new crash: quote its line once.
    const quoted = new Set<number>();
    for (const g of x.regressions) {
      out.push(`[${++n}] ${g.severity.toUpperCase()} ${g.title}`);
      for (const e of g.evidence) {
        out.push(quoted.has(e.line) ? `    L${e.line} (quoted above)` : `    L${e.line}: ${e.text}`);
        quoted.add(e.line);
      }
    }
    if (x.diagnosis.length) {
      out.push('', '  Diagnosis (options most likely to fix it):');
      for (const d of x.diagnosis) out.push(`    ${d.option}: ${d.reason} (line ${d.line})`);
    }
    if (x.config) {
      const lines = x.config.text.replace(/\n$/, '').split('\n').filter(Boolean);
      out.push('', `  Config diff, baseline -> this (scripts/diffconfig, ${lines.length} options):`);
      out.push(...lines.slice(0, MAX_CONFIG_LINES).map((l) => `    ${l}`));
      if (lines.length > MAX_CONFIG_LINES) out.push(`    ... ${lines.length - MAX_CONFIG_LINES} more`);
    }
    if (x.size) {
      const lines = x.size.text.split('\n');
      const body = lines.slice(1, -2).slice(0, MAX_SIZE_LINES + 1);
      out.push(
        '',
        '  Size diff (scripts/bloat-o-meter, top symbols):',
        `    ${lines[0]}`,
        ...body.map((l) => `    ${l}`),
      );
      if (x.size.changedCount > MAX_SIZE_LINES)
        out.push(`    ... ${x.size.changedCount - MAX_SIZE_LINES} more symbols changed`);
      out.push(`    ${lines.at(-2)}`);
    }
    out.push('');
  }
  if (r.fixed.length) {
    out.push('Fixed:');
    for (const f of r.fixed) out.push(`    ${f.variant}: ${f.title} (${run(f.fixedBootId, f.fixedBuildId)})`);
    out.push('');
  }
  return `${out.join('\n').replace(/\n+$/, '')}\n`;
}
