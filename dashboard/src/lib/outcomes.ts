/** Boot outcomes in the order a reader ranks them: failures first (common/outcomes.ts's one ranking). */
import type { BootOutcome } from '$types/api.ts';
import { OUTCOME_ORDER } from '../../../common/outcomes.ts';

export const OUTCOMES: readonly BootOutcome[] = OUTCOME_ORDER;

/** Sort rank: the worst outcome first, running boots last. */
export function outcomeRank(o: BootOutcome | null | undefined): number {
  if (o == null) return OUTCOMES.length;
  return OUTCOMES.indexOf(o);
}

/** The kernel's fault (a harness error is not). */
export function isKernelFailure(o: BootOutcome | null | undefined): boolean {
  return o === 'panic' || o === 'stalled' || o === 'no_output';
}

export const OUTCOME_LABEL: Record<BootOutcome, string> = {
  booted: 'booted',
  panic: 'panic',
  stalled: 'stalled',
  no_output: 'no output',
  error: 'harness error',
};
