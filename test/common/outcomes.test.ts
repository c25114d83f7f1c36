/** The one outcome ranking: its order, and what counts as worse. */
import { describe, expect, it } from 'vitest';
import { isKernelOutcome, isWorseOutcome, OUTCOME_ORDER, outcomeHealth } from '../../common/outcomes.ts';

describe('outcome ranking', () => {
  it('ranks no output below a panic below a stall below a boot', () => {
    expect(['no_output', 'panic', 'stalled', 'booted'].map((o) => outcomeHealth(o as 'booted'))).toEqual([
      0, 1, 2, 3,
    ]);
    expect(isWorseOutcome('booted', 'panic')).toBe(true);
    expect(isWorseOutcome('panic', 'no_output')).toBe(true);
    expect(isWorseOutcome('panic', 'stalled')).toBe(false);
    expect(isWorseOutcome('panic', 'panic')).toBe(false);
  });

  it('leaves harness errors and unknown words out of it', () => {
    expect(isKernelOutcome('error')).toBe(false);
    expect(isKernelOutcome(null)).toBe(false);
    expect(isWorseOutcome('booted', 'error')).toBe(false);
    expect(isWorseOutcome('error', 'panic')).toBe(false);
    expect(isWorseOutcome('booted', 'skipped')).toBe(false);
  });

  it('reads every outcome once, failures first and booted last', () => {
    expect(OUTCOME_ORDER).toEqual(['no_output', 'panic', 'stalled', 'error', 'booted']);
  });
});
