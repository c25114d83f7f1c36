/** The human-readable form of a parse result, for `bootwatch parse` without --json. */
import type { ParseResult } from '../../common/types/parse.ts';

function fmtTime(t: number | null | undefined): string {
  return t === null || t === undefined ? '      ?' : `${t.toFixed(3).padStart(7)}s`;
}

/** A few lines a person reads at a glance: outcome, milestones, crashes, diagnosis. */
export function formatSummary(file: string, r: ParseResult): string {
  const out: string[] = [];
  out.push(
    `${file}: ${r.outcome.toUpperCase()}  (kernel ${r.kernel.version ?? 'unknown'}, reached ${r.lastStage})`,
  );
  if (r.kernel.cmdline) out.push(`  cmdline: ${r.kernel.cmdline}`);
  for (const [name, t] of Object.entries(r.milestones)) out.push(`  ${fmtTime(t)}  ${name}`);
  if (r.panic) out.push(`  panic (line ${r.panic.line}): ${r.panic.reason}`);
  for (const c of r.crashes) out.push(`  crash (line ${c.line}): ${c.title}`);
  const counts = new Map<string, number>();
  for (const e of r.events) counts.set(e.kind, (counts.get(e.kind) ?? 0) + 1);
  if (counts.size) out.push(`  events: ${[...counts].map(([k, n]) => `${k} ${n}`).join(', ')}`);
  for (const e of r.events) {
    if (
      e.kind === 'error' ||
      e.kind === 'init_exec' ||
      e.kind === 'mount_failed' ||
      e.kind === 'missing_config'
    ) {
      if (e.kind === 'init_exec' && e.errno === null) continue;
      out.push(
        `  line ${String(e.line).padStart(5)}  ${e.kind.padEnd(14)} ${'message' in e ? e.message : ''}`,
      );
    }
  }
  if (r.initcalls.length) {
    const slow = [...r.initcalls].sort((a, b) => b.usecs - a.usecs).slice(0, 5);
    out.push(
      `  slowest initcalls: ${slow.map((i) => `${i.fn} ${(i.usecs / 1000).toFixed(1)}ms`).join(', ')}`,
    );
  }
  if (r.diagnosis.length) {
    out.push('  diagnosis (best first):');
    for (const d of r.diagnosis.slice(0, 8))
      out.push(`    ${d.option.padEnd(28)} ${Math.round(d.confidence * 100)}%  line ${d.line}: ${d.reason}`);
  }
  return `${out.join('\n')}\n`;
}
