/**
 * Completion markers: the verdict is the one a boot had when the runner's marker was
 * printed. The log is a real QEMU boot of Debian's 6.1 kernel whose busybox /init prints
 * `BOOTWATCH-DONE`, then runs `poweroff -f` without the applet installed: init exits 127
 * and the kernel panics ("Attempted to kill init!"). How much of that panic a runner
 * catches depends on how fast it kills QEMU; the verdict must not.
 */
import { describe, expect, it } from 'vitest';
import { BootLogParser, parseLog } from '../../../collector/parser/index.ts';
import { fixtureBytes } from '../../helpers/fixtures.ts';

const LOG = fixtureBytes('logs/debian-6.1-marker-then-init-exits.log');

describe('completion markers', () => {
  it('without markers, init exiting after its last line is a panic', () => {
    const r = parseLog(LOG, { context: { initIsScript: true } });
    expect(r.outcome).toBe('panic');
    expect(r.panic?.reason).toMatch(/^Attempted to kill init!/);
  });

  it('with the marker, the boot booted; the panic after it is still recorded', () => {
    const r = parseLog(LOG, { context: { initIsScript: true, markers: ['BOOTWATCH-DONE'] } });
    expect(r.outcome).toBe('booted');
    expect(r.crashes.map((c) => c.title)).toEqual(['kernel panic: Attempted to kill init!']);
  });

  it('the verdict is the same wherever the console was cut after the marker', () => {
    const text = LOG.toString('latin1');
    const marker = text.indexOf('BOOTWATCH-DONE');
    for (let cut = marker + 15; cut <= text.length; cut += 97) {
      const p = new BootLogParser({ context: { markers: ['BOOTWATCH-DONE'] } });
      p.push(LOG.subarray(0, cut));
      p.end();
      expect(p.result().outcome).toBe('booted');
    }
  });

  it('the first marker printed decides; one never printed changes nothing', () => {
    const r = parseLog(LOG, { context: { markers: ['all good'] } });
    expect(r.outcome).toBe('booted');
    const never = parseLog(LOG, { context: { markers: ['never printed'] } });
    expect(never.outcome).toBe('panic');
  });
});
