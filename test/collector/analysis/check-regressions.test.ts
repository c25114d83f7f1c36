/**
 * A boot's checks in regression detection: a check its baseline passed failing is a
 * regression (as its verdict says FAIL though the kernel booted), passing again fixes it,
 * and a boot that passes after one that failed a check recovered from it. Harness
 * bookkeeping never counts, and after a worse outcome failed checks are its consequence.
 */
import { describe, expect, it } from 'vitest';
import {
  detectRegressions,
  type RunFacts,
  recoveredFrom,
  reviewOpen,
} from '../../../collector/analysis/regressions.ts';
import { parseLog } from '../../../collector/parser/index.ts';
import type { BootCheck } from '../../../common/types/ingest.ts';
import { fixtureBytes } from '../../helpers/fixtures.ts';

let next = 0;
/** A finished boot of a real log with these checks. */
function boot(log: string, checks: BootCheck[]): RunFacts {
  const p = parseLog(fixtureBytes(`logs/${log}`), { context: { initIsScript: true } });
  next += 1;
  return {
    ...{ bootId: next, buildId: null, variant: 'net', buildStatus: null, buildWallMs: null, sizes: {} },
    at: new Date(Date.UTC(2026, 0, 1, 9, next)).toISOString(),
    outcome: p.outcome,
    crashes: p.crashes,
    events: p.events,
    milestones: p.milestones,
    initcalls: p.initcalls,
    checks,
  };
}

const net = (ok: boolean): BootCheck => ({ name: 'net', ok, detail: ok ? null : 'no answer on port 8080' });
const cleanup = (ok: boolean): BootCheck => ({ name: 'cleanup', ok, harness: true });
const GOOD = '05-net-e1000.log';

describe('checks in regression detection', () => {
  it('a check the baseline passed failing is a regression; passing it again fixes it', () => {
    const passed = boot(GOOD, [net(true)]);
    const failed = boot(GOOD, [net(false)]);
    const found = detectRegressions({ current: failed, baseline: passed, history: [passed] });
    expect(found).toEqual([
      {
        kind: 'check',
        key: 'check:net',
        severity: 'high',
        title: 'check net failed: no answer on port 8080',
        was: 'ok',
        now: 'failed',
        evidence: [],
      },
    ]);
    expect(reviewOpen(found, boot(GOOD, [net(false)])).fixed).toEqual([]);
    // A boot that did not run the check cannot tell.
    expect(reviewOpen(found, boot(GOOD, [])).fixed).toEqual([]);
    expect(reviewOpen(found, boot(GOOD, [net(true)])).fixed).toEqual(found);
  });

  it('is quiet about checks the baseline never passed, harness bookkeeping, and a worse outcome', () => {
    const never = boot(GOOD, [net(false)]);
    expect(
      detectRegressions({ current: boot(GOOD, [net(false)]), baseline: never, history: [never] }),
    ).toEqual([]);
    const tidy = boot(GOOD, [net(true), cleanup(true)]);
    expect(
      detectRegressions({
        current: boot(GOOD, [net(true), cleanup(false)]),
        baseline: tidy,
        history: [tidy],
      }),
    ).toEqual([]);
    const panicked = boot('02-initrd-no-binfmt.log', [net(false)]);
    const kinds = detectRegressions({ current: panicked, baseline: tidy, history: [tidy] }).map(
      (f) => f.kind,
    );
    expect(kinds).toContain('outcome');
    expect(kinds).not.toContain('check');
  });

  it('a boot that passes after one that failed a check recovered from it; one that fails it too did not', () => {
    const failed = boot(GOOD, [net(false)]);
    expect(recoveredFrom(boot(GOOD, [net(true)]), [failed])).toBe(failed);
    expect(recoveredFrom(boot(GOOD, [net(false)]), [failed])).toBeNull();
    // A harness check failing fails neither boot.
    expect(recoveredFrom(boot(GOOD, [net(true)]), [boot(GOOD, [cleanup(false)])])).toBeNull();
    // After a boot that did not boot, booting is the news, whatever the checks say.
    const panicked = boot('02-initrd-no-binfmt.log', []);
    expect(recoveredFrom(boot(GOOD, [net(false)]), [panicked])).toBe(panicked);
    expect(recoveredFrom(boot(GOOD, [net(true)]), [panicked])).toBe(panicked);
  });
});
