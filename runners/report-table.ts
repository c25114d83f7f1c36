/** The table `bootwatch run` prints: variant, image size (bzImage, Image), build time, outcome, top diagnosis. */
import type { RunReport, VariantResult } from './run-matrix.ts';

function kib(n: number | null | undefined): string {
  return n == null ? '-' : `${(n / 1024).toFixed(0)} KiB`;
}

function secs(ms: number | null | undefined): string {
  return ms == null ? '-' : `${(ms / 1000).toFixed(1)} s`;
}

/** One row's cells. */
function rowOf(r: VariantResult): string[] {
  const b = r.build?.input;
  const boot = r.boot;
  const outcome = r.outcome === 'build_failed' ? `build ${b?.status ?? 'ERROR'}` : r.outcome;
  const stage = boot && r.outcome !== 'booted' && boot.stage !== r.outcome ? ` (reached ${boot.stage})` : '';
  // A check only means something once userspace ran; before that the diagnosis says why.
  const checks =
    r.outcome === 'booted'
      ? boot?.finish.checks?.map((c) => `${c.name} ${c.ok ? 'ok' : 'FAILED'}`).join(', ')
      : null;
  const dropped = b?.dropped?.length ? `${b.dropped.length} dropped` : '';
  const note = [
    r.topDiagnosis,
    checks,
    dropped,
    r.error && !r.topDiagnosis ? r.error.slice(0, 60) : null,
    r.delivery && !r.delivery.delivered ? 'spooled' : null,
  ]
    .filter(Boolean)
    .join('; ');
  return [
    r.variant,
    kib(b?.sizes?.image),
    secs(b?.wallMs),
    boot ? secs(boot.durationMs) : '-',
    `${outcome}${stage}`,
    note || '-',
  ];
}

/** Fixed-width text table. */
export function formatTable(report: RunReport): string {
  const head = ['variant', 'image', 'build', 'boot', 'outcome', 'top diagnosis / checks'];
  const rows = [head, ...report.results.map(rowOf)];
  const widths = head.map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  const line = (r: string[]) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]))).join('  ');
  const out = [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.slice(1).map(line)];
  for (const g of report.regressions)
    out.push(`REGRESSION ${g.variant}: ${g.was} → ${g.now} (against ${g.against})`);
  if (report.spooled)
    out.push(
      `${report.spooled} item(s) spooled on disk: the next run (or 'bootwatch spool flush') re-sends them`,
    );
  return `${out.join('\n')}\n`;
}
