/**
 * The one ranking of boot outcomes. The runner's and the collector's regression checks and
 * the dashboard's order all read it, so "worse" means the same everywhere.
 */
import type { BootOutcome } from './types/ingest.ts';

/** The kernel's verdicts, worst first; `error` (the harness failed) says nothing about the kernel. */
export const KERNEL_OUTCOMES = ['no_output', 'panic', 'stalled', 'booted'] as const;

export type KernelOutcome = (typeof KERNEL_OUTCOMES)[number];

/** True when the outcome is the kernel's (not a harness error, not missing). */
export function isKernelOutcome(o: string | null | undefined): o is KernelOutcome {
  return o != null && (KERNEL_OUTCOMES as readonly string[]).includes(o);
}

/** Higher is healthier: the outcome's place in KERNEL_OUTCOMES. */
export function outcomeHealth(o: KernelOutcome): number {
  return KERNEL_OUTCOMES.indexOf(o);
}

/** True when `now` is a worse kernel verdict than `was`; anything else (a harness error) never is. */
export function isWorseOutcome(was: string, now: string): boolean {
  return isKernelOutcome(was) && isKernelOutcome(now) && outcomeHealth(now) < outcomeHealth(was);
}

/** Every outcome in reading order: the kernel's failures worst first, then harness errors, then booted. */
export const OUTCOME_ORDER: readonly BootOutcome[] = [...KERNEL_OUTCOMES.slice(0, -1), 'error', 'booted'];
