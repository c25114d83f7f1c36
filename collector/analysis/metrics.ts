/**
 * Prometheus text exposition (format 0.0.4) of each variant's latest figures: image
 * sizes, build time, time to init, boot outcome, verdict and checks, open regressions.
 * Label values escaped as the format requires (backslash, double quote, newline).
 */
import type { BootCheck, BootOutcome, ImageSizes, Status } from '../../common/types/ingest.ts';
import { bootVerdict, type VerdictStatus } from '../../common/verdict.ts';

export interface VariantMetrics {
  variant: string;
  sizes: ImageSizes;
  buildSeconds: number | null;
  buildOk: boolean | null;
  /** Kernel time of init_start in the latest boot that reached it. */
  timeToInit: number | null;
  outcome: BootOutcome | null;
  /** The latest boot's stored status, end reason and runner checks: with its outcome, its verdict. */
  status: Status | null;
  endReason: string | null;
  checks: BootCheck[];
  /** Unix seconds of the latest boot. */
  bootTimestamp: number | null;
  openRegressions: number;
}

const OUTCOMES = ['booted', 'panic', 'stalled', 'no_output', 'error'] as const;
const VERDICTS: readonly VerdictStatus[] = ['PASS', 'FAIL', 'ERROR', 'MISS', 'SKIP'];

/** Escapes a label value: `\` → `\\`, `"` → `\"`, newline → `\n`. */
export function escapeLabel(v: string): string {
  return v.replaceAll('\\', '\\\\').replaceAll('"', '\\"').replaceAll('\n', '\\n');
}

const labels = (l: Record<string, string>) =>
  `{${Object.entries(l)
    .map(([k, v]) => `${k}="${escapeLabel(v)}"`)
    .join(',')}}`;

/** Go-style float text: integers plain, +Inf/-Inf/NaN spelled out. */
function num(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (!Number.isFinite(v)) return v > 0 ? '+Inf' : '-Inf';
  return String(v);
}

/** The exposition text for all variants. */
export function toPrometheus(variants: readonly VariantMetrics[]): string {
  const out: string[] = [];
  const family = (name: string, help: string, type: 'gauge', samples: [Record<string, string>, number][]) => {
    if (!samples.length) return;
    out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    for (const [l, v] of samples) out.push(`${name}${labels(l)} ${num(v)}`);
  };
  const sizes: [Record<string, string>, number][] = [];
  for (const v of variants) {
    for (const [kind, bytes] of Object.entries(v.sizes)) {
      if (bytes != null) sizes.push([{ variant: v.variant, kind }, bytes]);
    }
  }
  family(
    'bootwatch_image_size_bytes',
    'Size of the latest build (kind: image, vmlinux, text, data, bss).',
    'gauge',
    sizes,
  );
  family(
    'bootwatch_build_duration_seconds',
    'Wall time of the latest build.',
    'gauge',
    variants.flatMap((v) => (v.buildSeconds != null ? [[{ variant: v.variant }, v.buildSeconds]] : [])),
  );
  family(
    'bootwatch_build_success',
    '1 when the latest build passed, 0 when it failed.',
    'gauge',
    variants.flatMap((v) => (v.buildOk != null ? [[{ variant: v.variant }, v.buildOk ? 1 : 0]] : [])),
  );
  family(
    'bootwatch_time_to_init_seconds',
    'Kernel time at which init started in the latest boot that got there.',
    'gauge',
    variants.flatMap((v) => (v.timeToInit != null ? [[{ variant: v.variant }, v.timeToInit]] : [])),
  );
  family(
    'bootwatch_boot_outcome',
    'Outcome of the latest boot: 1 for the outcome it had, 0 for the others.',
    'gauge',
    variants.flatMap((v) =>
      v.outcome
        ? OUTCOMES.map((o): [Record<string, string>, number] => [
            { variant: v.variant, outcome: o },
            v.outcome === o ? 1 : 0,
          ])
        : [],
    ),
  );
  const verdicts = variants.flatMap((v) => {
    const verdict = bootVerdict(v);
    return verdict ? [{ v, verdict }] : [];
  });
  family(
    'bootwatch_boot_verdict',
    'Verdict of the latest boot (the one KCIDB, JUnit and the API give): 1 for its verdict, 0 for the others.',
    'gauge',
    verdicts.flatMap(({ v, verdict }) =>
      VERDICTS.map((s): [Record<string, string>, number] => [
        { variant: v.variant, verdict: s },
        verdict.status === s ? 1 : 0,
      ]),
    ),
  );
  family(
    'bootwatch_boot_checks_failed',
    'Runner checks (network, root disk) that failed the latest boot.',
    'gauge',
    verdicts.map(({ v, verdict }) => [{ variant: v.variant }, verdict.failedChecks.length]),
  );
  family(
    'bootwatch_boot_check_success',
    "1 when the latest boot's runner check passed, 0 when it failed.",
    'gauge',
    verdicts.flatMap(({ v }) =>
      v.checks.map((c): [Record<string, string>, number] => [
        { variant: v.variant, check: c.name },
        c.ok ? 1 : 0,
      ]),
    ),
  );
  family(
    'bootwatch_boot_timestamp_seconds',
    'Start time of the latest boot (Unix seconds).',
    'gauge',
    variants.flatMap((v) => (v.bootTimestamp != null ? [[{ variant: v.variant }, v.bootTimestamp]] : [])),
  );
  family(
    'bootwatch_open_regressions',
    'Regressions of the variant not yet fixed.',
    'gauge',
    variants.map((v) => [{ variant: v.variant }, v.openRegressions]),
  );
  return out.length ? `${out.join('\n')}\n` : '';
}
