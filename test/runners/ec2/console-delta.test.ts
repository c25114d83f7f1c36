/** Overlapping GetConsoleOutput windows become one console, each byte once, in order. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConsoleDeltaTracker, overlapLength } from '../../../runners/ec2/console-delta.ts';
import { BOOT_LOG } from './helpers/cloud.ts';

/** The windows a Latest=true poller sees when `step` bytes arrive between polls. */
function windows(log: Buffer, step: number, window: number): Buffer[] {
  const out: Buffer[] = [];
  for (let end = step; end < log.length + step; end += step) {
    const e = Math.min(end, log.length);
    out.push(log.subarray(Math.max(0, e - window), e));
  }
  return out;
}

describe('console deltas', () => {
  it('finds the longest window prefix that ends the tail', () => {
    const b = (s: string) => Buffer.from(s);
    expect(overlapLength(b('hello wor'), b('world!'))).toBe(3);
    expect(overlapLength(b('abc'), b('abc'))).toBe(3);
    expect(overlapLength(b('xyz'), b('abc'))).toBe(0);
    expect(overlapLength(b(''), b('abc'))).toBe(0);
    expect(overlapLength(b('aaab'), b('ab'))).toBe(2);
  });

  it('rebuilds the real boot log from overlapping windows of any size', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 500, max: 20_000 }), // Windows overlap by at least a line or two, as 64 KiB windows polled every few seconds do.
        fc.integer({ min: 200, max: 60_000 }),
        (step, extra) => {
          const t = new ConsoleDeltaTracker();
          const got = Buffer.concat(windows(BOOT_LOG, step, step + extra).map((w) => t.push(w).fresh));
          expect(got.equals(BOOT_LOG)).toBe(true);
          expect(t.gaps).toBe(0);
        },
      ),
      { numRuns: 40 },
    );
  });

  it('a poll that brings nothing new (the same window again) adds nothing', () => {
    const t = new ConsoleDeltaTracker();
    const w = BOOT_LOG.subarray(0, 4096);
    expect(t.push(w).fresh.length).toBe(4096);
    expect(t.push(w).fresh.length).toBe(0);
    expect(t.push(BOOT_LOG.subarray(1000, 4096)).fresh.length).toBe(0);
    expect(t.push(BOOT_LOG.subarray(1000, 5000)).fresh.equals(BOOT_LOG.subarray(4096, 5000))).toBe(true);
  });

  it('flags a gap when more than a window arrived between two polls', () => {
    const t = new ConsoleDeltaTracker();
    t.push(BOOT_LOG.subarray(0, 4096));
    const d = t.push(BOOT_LOG.subarray(20_000, 24_096));
    expect(d.gap).toBe(true);
    expect(d.fresh.length).toBe(4096);
    expect(t.gaps).toBe(1);
  });
});
