/**
 * JUnit XML of a run's boots for CI systems: one testsuite per run, one testcase per
 * boot; a kernel failure is a <failure>, a harness failure an <error>, a boot that never
 * ran <skipped>. Every text is escaped; characters XML 1.0 cannot carry are dropped.
 */
import type { BootOutcome } from '../../common/types/ingest.ts';

export interface JunitBoot {
  /** Null for a variant whose build failed (nothing booted). */
  id: number | null;
  variant: string | null;
  outcome: BootOutcome | 'build_failed' | null;
  durationMs: number | null;
  /** The crash title or panic reason of a failed boot. */
  title: string | null;
  /** Lines worth reading: the crash report, the diagnosis. */
  details: string[];
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

/** The JUnit XML document for one run's boots. */
export function toJunit(suite: string, boots: readonly JunitBoot[], timestamp?: string): string {
  const failed = boots.filter((b) => b.outcome && b.outcome !== 'booted' && b.outcome !== 'error').length;
  const errors = boots.filter((b) => b.outcome === 'error').length;
  const skipped = boots.filter((b) => b.outcome == null).length;
  const time = boots.reduce((t, b) => t + (b.durationMs ?? 0), 0);
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites${attr('name', 'bootwatch')}${attr('tests', boots.length)}${attr('failures', failed)}${attr('errors', errors)}${attr('skipped', skipped)}${attr('time', seconds(time))}>`,
    `  <testsuite${attr('name', suite)}${attr('tests', boots.length)}${attr('failures', failed)}${attr('errors', errors)}${attr('skipped', skipped)}${attr('time', seconds(time))}${timestamp ? attr('timestamp', timestamp) : ''}>`,
  ];
  for (const b of boots) {
    const name = b.id != null ? `${b.variant ?? 'boot'} #${b.id}` : (b.variant ?? 'boot');
    const open = `    <testcase${attr('classname', `boot.${b.variant ?? 'unknown'}`)}${attr('name', name)}${attr('time', seconds(b.durationMs))}`;
    const body = [...b.details, ...(b.url ? [`console: ${b.url}`] : [])].join('\n');
    if (b.outcome === 'booted') {
      lines.push(`${open}/>`);
    } else if (b.outcome == null) {
      lines.push(`${open}>`, '      <skipped message="did not finish"/>', '    </testcase>');
    } else {
      const tag = b.outcome === 'error' ? 'error' : 'failure';
      const message = b.title ? `${b.outcome}: ${b.title}` : b.outcome;
      lines.push(
        `${open}>`,
        `      <${tag}${attr('message', message)}${attr('type', b.outcome)}>${escapeXml(body)}</${tag}>`,
        '    </testcase>',
      );
    }
  }
  lines.push('  </testsuite>', '</testsuites>');
  return `${lines.join('\n')}\n`;
}
