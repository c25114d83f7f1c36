/**
 * Header variants other kernels print for the same report: a real report of the corpus
 * with only its header line rewritten to the variant (as the kernel's format strings
 * print it) must keep its title. Older and other-architecture forms that syzkaller knows.
 */
import { describe, expect, it } from 'vitest';
import { parseLog } from '../../../collector/parser/index.ts';
import { fixtureBytes } from '../../helpers/fixtures.ts';

/** The fixture with its header line's message replaced. */
function withHeader(rel: string, from: RegExp, to: string): string {
  const text = fixtureBytes(rel).toString('latin1');
  expect(from.test(text)).toBe(true);
  return text.replace(from, to);
}
const titles = (text: string) => parseLog(Buffer.from(text, 'latin1')).crashes.map((c) => c.title);

describe('header variants', () => {
  it.each([
    [
      'segment-related general protection fault',
      'crashes/gpf_user_access.log',
      /general protection fault, probably for non-canonical address \S+: 0000/,
      'segment-related general protection fault: 0000',
      'general protection fault in lkdtm_ACCESS_USERSPACE',
    ],
    [
      'divide_error: (older x86)',
      'crashes/gpf_user_access.log',
      /general protection fault, probably for non-canonical address \S+: 0000/,
      'divide_error: 0000',
      'divide error in lkdtm_ACCESS_USERSPACE',
    ],
    [
      'divide error: (x86)',
      'crashes/gpf_user_access.log',
      /general protection fault, probably for non-canonical address \S+: 0000/,
      'divide error: 0000',
      'divide error in lkdtm_ACCESS_USERSPACE',
    ],
    [
      'WARNING with a negative PID',
      'crashes/warning.log',
      /WARNING: CPU: 1 PID: 37 at/,
      'WARNING: CPU: 1 PID: -1 at',
      'WARNING in lkdtm_WARNING',
    ],
    [
      'new WARN header `WARNING: file:line at f, CPU#n: comm/pid`',
      'crashes/warning.log',
      /WARNING: CPU: 1 PID: 37 at (drivers\/misc\/lkdtm\/bugs\.c:85) (lkdtm_WARNING\+0x8\/0xb)/,
      'WARNING: $1 at $2, CPU#1: sh/37',
      'WARNING in lkdtm_WARNING',
    ],
    [
      'soft lockup behind `NMI watchdog:`',
      'crashes/soft_lockup.log',
      /watchdog: BUG: soft lockup/,
      'NMI watchdog: BUG: soft lockup',
      'BUG: soft lockup in full_proxy_write',
    ],
  ])('%s', (_name, rel, from, to, title) => {
    expect(titles(withHeader(rel, from, to))[0]).toBe(title);
  });

  it('32-bit `EIP is at f+0x..` and old `RIP: 0010:[<a>]  [<a>] f+0x..` name the function', () => {
    const gpf = fixtureBytes('crashes/gpf_user_access.log').toString('latin1');
    const rip = /RIP: 0010:(lkdtm_ACCESS_USERSPACE\+0x[0-9a-f]+\/0x[0-9a-f]+)/;
    expect(rip.test(gpf)).toBe(true);
    const eip = gpf.replace(rip, 'EIP is at $1');
    expect(titles(eip)[0]).toBe('general protection fault in lkdtm_ACCESS_USERSPACE');
    const old = gpf.replace(rip, 'RIP: 0010:[<ffffffff8143d030>]  [<ffffffff8143d030>] $1');
    expect(titles(old)[0]).toBe('general protection fault in lkdtm_ACCESS_USERSPACE');
  });
});
