/**
 * The crash tracker tries on a message only the header patterns that can begin with its first
 * character: firstCharOf must name that character only where the pattern leaves no other.
 */
import { describe, expect, it } from 'vitest';
import { firstCharOf } from '../../../collector/parser/first-char.ts';
import { CRASH_FORMATS } from '../../../collector/parser/tables/crashes.ts';

const code = (s: string) => s.charCodeAt(0);

describe('crash header dispatch', () => {
  it('names the literal after ^, escaped punctuation included', () => {
    expect(firstCharOf(/^BUG: KASAN: (.*)/)).toBe(code('B'));
    expect(firstCharOf(/^\[ INFO: suspicious RCU usage\. \]/)).toBe(code('['));
    expect(firstCharOf(/^a+b/)).toBe(code('a'));
  });

  it('gives up where the first character is not fixed', () => {
    expect(firstCharOf(/^(WARNING|BUG): held lock freed!/)).toBeNull();
    expect(firstCharOf(/^(?:\[ )?BUG: Invalid wait context/)).toBeNull();
    expect(firstCharOf(/^\d{4} BUG/)).toBeNull();
    expect(firstCharOf(/^\s*BUG/)).toBeNull();
    expect(firstCharOf(/^a?BUG/)).toBeNull();
    expect(firstCharOf(/^a*BUG/)).toBeNull();
    expect(firstCharOf(/^a{0,2}BUG/)).toBeNull();
    expect(firstCharOf(/^.BUG/)).toBeNull();
    // `^` binds to the first alternative only: the second matches anywhere.
    expect(firstCharOf(/^BUG: x|general protection fault/)).toBeNull();
    expect(firstCharOf(/^bug/i)).toBeNull();
    expect(firstCharOf(/^BUG/m)).toBeNull();
    expect(firstCharOf(/BUG: /)).toBeNull();
  });

  it('keeps the top-level | test out of classes and groups', () => {
    expect(firstCharOf(/^Oops[|] (a|b)/)).toBe(code('O'));
    expect(firstCharOf(/^Oops\| x/)).toBe(code('O'));
  });

  it('never names a character a header of the table can match without', () => {
    const samples = [
      'BUG: kernel NULL pointer dereference, address: 0000000000000010',
      'WARNING: CPU: 0 PID: 120 at fs/ext4/inode.c:3645 ext4_set_page_dirty+0x47/0x60',
      'Kernel panic - not syncing: Attempted to kill init! exitcode=0x00000100',
      'general protection fault, probably for non-canonical address 0xdffffc0000000000: 0000 [#1] SMP KASAN',
      'INFO: task kworker/0:1:12 blocked for more than 120 seconds.',
      'watchdog: BUG: soft lockup - CPU#0 stuck for 22s! [swapper/0:1]',
      'Oops: 0000 [#1] PREEMPT SMP',
      'Unable to handle kernel NULL pointer dereference at virtual address 0000000000000000',
    ];
    for (const f of CRASH_FORMATS) {
      const first = firstCharOf(f.header);
      if (first === null) continue;
      for (const s of samples) if (f.header.test(s)) expect(s.charCodeAt(0)).toBe(first);
    }
    expect(CRASH_FORMATS.filter((f) => firstCharOf(f.header) !== null).length).toBeGreaterThan(
      CRASH_FORMATS.length / 2,
    );
  });
});
