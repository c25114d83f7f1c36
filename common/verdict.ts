/**
 * The one verdict of a boot, in KCIDB's words. The runner's status, the collector's stored
 * status and every export (the API, KCIDB, JUnit, /metrics) read it, so a boot that reached
 * userspace but failed a check is FAIL everywhere.
 */
import type { BootCheck, BootOutcome, EndReason, Status } from './types/ingest.ts';

/** What a boot's verdict is made of; any stored status is the runner's word. */
export interface VerdictInput {
  /** Null while the boot runs. */
  outcome: BootOutcome | null;
  status?: Status | null;
  endReason?: EndReason | string | null;
  checks?: readonly BootCheck[] | null;
}

export type VerdictStatus = Exclude<Status, 'DONE'>;

export interface BootVerdict {
  status: VerdictStatus;
  /** The checks that failed the boot (harness bookkeeping such as cleanup never does). */
  failedChecks: BootCheck[];
}

/**
 * A finished boot's verdict, null while it runs: ERROR when the harness failed, SKIP when
 * cancelled, FAIL when the kernel failed or a check judging it did, else PASS. A runner's
 * MISS, ERROR, SKIP or FAIL is never upgraded: it may know more than the stored facts.
 */
export function bootVerdict(b: VerdictInput): BootVerdict | null {
  if (b.outcome == null) return null;
  const failedChecks = (b.checks ?? []).filter((c) => !c.ok && !c.harness);
  const said = b.status;
  const verdict = (status: VerdictStatus): BootVerdict => ({ status, failedChecks });
  if (said === 'MISS') return verdict('MISS');
  if (b.outcome === 'error' || said === 'ERROR') return verdict('ERROR');
  if (b.endReason === 'cancelled' || said === 'SKIP') return verdict('SKIP');
  if (b.outcome !== 'booted' || failedChecks.length > 0 || said === 'FAIL') return verdict('FAIL');
  return verdict('PASS');
}

/** One line for a failed check: `net failed: no answer on port 8080`. */
export function describeCheck(c: BootCheck): string {
  return `${c.name} ${c.ok ? 'passed' : 'failed'}${c.detail ? `: ${c.detail}` : ''}`;
}
