/**
 * End-of-boot decisions on the real seed-ladder consoles, fed through the parser as a
 * stream: the line that ends each boot, with and without a completion marker.
 */
import { describe, expect, it } from 'vitest';
import { BootLogParser } from '../../collector/parser/index.ts';
import type { EndDecision } from '../../runners/qemu/end-detector.ts';
import { EndDetector } from '../../runners/qemu/end-detector.ts';
import { fixtureBytes } from '../helpers/fixtures.ts';

/** The first `end` decision (line number and reason), feeding the log in 512-byte chunks. */
function firstEnd(
  file: string,
  markers: string[],
): { line: number; text: string; decision: EndDecision } | null {
  const bytes = fixtureBytes(`logs/${file}`);
  const p = new BootLogParser({ context: { initIsScript: true } });
  const d = new EndDetector(markers);
  let quiet: { line: number; text: string; decision: EndDecision } | null = null;
  for (let i = 0; i <= bytes.length; i += 512) {
    const ups = i < bytes.length ? p.push(bytes.subarray(i, i + 512)) : p.end();
    for (const u of ups) {
      const decision = d.onLine(u);
      if (decision && 'end' in decision) return { line: u.line, text: u.text, decision };
      if (decision && !quiet) quiet = { line: u.line, text: u.text, decision };
    }
  }
  return quiet;
}

describe('EndDetector on real consoles', () => {
  it('a panic ends the boot (a quiet wait while its trace prints, or the end marker line)', () => {
    const r = firstEnd('01-serial-no-initrd.log', ['SEEDLAB-DONE']);
    expect(r?.text).toMatch(/Kernel panic|end Kernel panic/);
    const d = r?.decision as { end?: string; quiet?: string };
    expect(d.end ?? d.quiet).toBe('panic');
  });

  it('the completion marker ends a boot as soon as it is printed', () => {
    for (const f of ['03-exec-no-net.log', '05-net-e1000.log', '07-block-initcall-debug.log']) {
      const r = firstEnd(f, ['SEEDLAB-DONE']);
      expect(r?.decision).toEqual({ end: 'marker' });
      expect(r?.text).toBe('SEEDLAB-DONE');
    }
  });

  it('without a marker, the halt / power-down line ends it', () => {
    expect(firstEnd('05-net-e1000.log', [])).toMatchObject({
      decision: { end: 'shutdown' },
      text: expect.stringMatching(/System halted/),
    });
    expect(firstEnd('07-block-initcall-debug.log', [])).toMatchObject({
      decision: { end: 'shutdown' },
      text: expect.stringMatching(/Power down/),
    });
  });
});
