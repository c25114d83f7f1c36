/** The one verdict every export reads: outcome, runner checks, end reason and the runner's status. */
import { describe, expect, it } from 'vitest';
import type { BootCheck } from '../../common/types/ingest.ts';
import { bootVerdict, describeCheck, type VerdictInput } from '../../common/verdict.ts';

const net: BootCheck = { name: 'net', ok: false, detail: 'no answer on port 8080' };
const netOk: BootCheck = { name: 'net', ok: true, detail: 'answered' };
const cleanup: BootCheck = {
  name: 'ec2-cleanup',
  ok: false,
  detail: 'left behind: volume vol-1',
  harness: true,
};

describe('bootVerdict', () => {
  const cases: [string, VerdictInput, string | null][] = [
    ['a running boot has none', { outcome: null, checks: [net] }, null],
    ['booted, every check passed', { outcome: 'booted', checks: [netOk] }, 'PASS'],
    ['booted but a check failed (the ladder network step)', { outcome: 'booted', checks: [net] }, 'FAIL'],
    ['booted, only the harness cleanup failed', { outcome: 'booted', checks: [netOk, cleanup] }, 'PASS'],
    ['the kernel panicked', { outcome: 'panic', checks: [] }, 'FAIL'],
    ['no output at all', { outcome: 'no_output' }, 'FAIL'],
    ['the harness failed', { outcome: 'error', checks: [net] }, 'ERROR'],
    ['cancelled mid-boot', { outcome: 'stalled', endReason: 'cancelled' }, 'SKIP'],
    ["a runner's FAIL is kept", { outcome: 'booted', status: 'FAIL' }, 'FAIL'],
    ["a runner's MISS is kept", { outcome: 'error', status: 'MISS' }, 'MISS'],
    [
      "a runner's PASS does not hide a failed check",
      { outcome: 'booted', status: 'PASS', checks: [net] },
      'FAIL',
    ],
  ];
  for (const [what, input, status] of cases) {
    it(what, () => expect(bootVerdict(input)?.status ?? null).toBe(status));
  }

  it('names the checks that failed the boot, not the harness bookkeeping', () => {
    expect(bootVerdict({ outcome: 'booted', checks: [net, netOk, cleanup] })?.failedChecks).toEqual([net]);
  });

  it('gives the same verdict again from its own stored status', () => {
    for (const [, input] of cases) {
      const first = bootVerdict(input);
      expect(bootVerdict({ ...input, status: first?.status })?.status).toBe(first?.status);
    }
  });
});

describe('describeCheck', () => {
  it('says the check, what became of it, and why', () => {
    expect(describeCheck(net)).toBe('net failed: no answer on port 8080');
    expect(describeCheck({ name: 'root-disk', ok: true })).toBe('root-disk passed');
  });
});
