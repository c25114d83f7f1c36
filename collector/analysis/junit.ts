/**
 * JUnit XML of a run's boots for CI systems (valid against Jenkins xunit's junit-10.xsd):
 * one testsuite per run, one testcase per boot, judged by the one boot verdict: FAIL is a
 * <failure> (the kernel's, or a failed runner check), ERROR an <error>, a boot that never
 * ran or finished <skipped>. Every text is escaped; characters XML 1.0 cannot carry are dropped.
 */
import type { BootCheck, BootOutcome, Status } from '../../common/types/ingest.ts';
import type { Diagnosis } from '../../common/types/parse.ts';
import { type BootVerdict, bootVerdict, describeCheck } from '../../common/verdict.ts';

export interface JunitBoot {
  /** Null for a variant whose build failed (nothing booted). */
  id: number | null;
  variant: string | null;
  outcome: BootOutcome | 'build_failed' | null;
  /** The stored status, end reason and runner checks: with the outcome, the boot's verdict. */
  status?: Status | null;
  endReason?: string | null;
  checks?: BootCheck[];
  durationMs: number | null;
  /** The crash title or panic reason of a failed boot. */
  title: string | null;
  /** Lines worth reading: the crash report. */
  details: string[];
  /** The option most likely to fix a failed boot. */
  diagnosis?: Pick<Diagnosis, 'option' | 'reason' | 'line' | 'evidence'> | null;
  /** Where the full console lives. */
  url?: string | null;
}

// XML 1.0 allows tab, LF, CR and U+0020 and above, minus lone surrogates and U+FFFE/U+FFFF.
const INVALID_XML = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

/** Escapes text for XML character data and attribute values. */
export function escapeXml(s: string): string {
  return s
    .replace(INVALID_XML, '')
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&apos;');
}

const attr = (name: string, v: string | number) => ` ${name}="${escapeXml(String(v))}"`;
const seconds = (ms: number | null) => ((ms ?? 0) / 1000).toFixed(3);

/** A testcase's verdict: a failed build is the kernel's FAIL; else the boot's own. */
function verdictOf(b: JunitBoot): BootVerdict | null {
  if (b.outcome === 'build_failed') return { status: 'FAIL', failedChecks: [] };
  return bootVerdict({ ...b, outcome: b.outcome });
}

/** The diagnosis as a line, citing its evidence only when there is a line to cite (no_output has none). */
function diagnosisLine(d: NonNullable<JunitBoot['diagnosis']>): string {
  const cite = d.line > 0 ? ` — line ${d.line}${d.evidence ? `: ${d.evidence}` : ''}` : '';
  return `diagnosis: ${d.option} (${d.reason})${cite}`;
}

/** The <failure>/<error> message: what the kernel did, then each check that failed. */
function failureMessage(b: JunitBoot, v: BootVerdict): string {
  const checks = v.failedChecks.map(describeCheck).join('; ');
  if (b.outcome === 'booted' && checks) return `booted, but ${checks}`;
  const kernel = b.title ? `${b.outcome}: ${b.title}` : String(b.outcome ?? v.status);
  return checks ? `${kernel}; ${checks}` : kernel;
}

/** The JUnit XML document for one run's boots. */
export function toJunit(suite: string, boots: readonly JunitBoot[], timestamp?: string): string {
  const verdicts = boots.map(verdictOf);
  const count = (...s: (string | null)[]) => verdicts.filter((v) => s.includes(v?.status ?? null)).length;
  const failed = count('FAIL');
  const errors = count('ERROR');
  const skipped = count(null, 'SKIP', 'MISS');
  const time = boots.reduce((t, b) => t + (b.durationMs ?? 0), 0);
  const totals = `${attr('tests', boots.length)}${attr('failures', failed)}${attr('errors', errors)}`;
  // junit-10.xsd allows `skipped` on a testsuite only, not on testsuites.
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites${attr('name', 'bootwatch')}${totals}${attr('time', seconds(time))}>`,
    `  <testsuite${attr('name', suite)}${totals}${attr('skipped', skipped)}${attr('time', seconds(time))}${timestamp ? attr('timestamp', timestamp) : ''}>`,
  ];
  boots.forEach((b, i) => {
    const v = verdicts[i];
    const name = b.id != null ? `${b.variant ?? 'boot'} #${b.id}` : (b.variant ?? 'boot');
    const open = `    <testcase${attr('classname', `boot.${b.variant ?? 'unknown'}`)}${attr('name', name)}${attr('time', seconds(b.durationMs))}`;
    if (v?.status === 'PASS') {
      lines.push(`${open}/>`);
    } else if (v == null || v.status === 'SKIP' || v.status === 'MISS') {
      const why = v == null ? 'did not finish' : v.status === 'SKIP' ? 'cancelled' : 'did not run';
      lines.push(`${open}>`, `      <skipped${attr('message', why)}/>`, '    </testcase>');
    } else {
      const tag = v.status === 'ERROR' ? 'error' : 'failure';
      const type = b.outcome === 'booted' ? 'check' : String(b.outcome ?? v.status);
      const body = [
        ...v.failedChecks.map(describeCheck),
        ...b.details,
        ...(b.diagnosis ? [diagnosisLine(b.diagnosis)] : []),
        ...(b.url ? [`console: ${b.url}`] : []),
      ].join('\n');
      lines.push(
        `${open}>`,
        `      <${tag}${attr('message', failureMessage(b, v))}${attr('type', type)}>${escapeXml(body)}</${tag}>`,
        '    </testcase>',
      );
    }
  });
  lines.push('  </testsuite>', '</testsuites>');
  return `${lines.join('\n')}\n`;
}
