/**
 * The parser's fast paths — a line's stamp read from the chunk's bytes, a stamped whole
 * initcall_debug line read from them entirely — answer what the general path answers. A
 * line that spans two pushes is read alone, as a string, on the general path: so a log
 * pushed three bytes at a time is read without any fast path, and must parse as the same
 * log pushed whole (the corpus golden test checks this for every fixture; this one for logs
 * made to sit on the fast paths' edges: near-miss lines, long numbers, caller ids, escapes,
 * carriage returns, an init pending, a crash report around initcall lines).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BootLogParser } from '../../../collector/parser/index.ts';
import type { LineUpdate, ParseResult } from '../../../common/types/parse.ts';

function parse(bytes: Buffer, size: number): { result: ParseResult; updates: LineUpdate[] } {
  const p = new BootLogParser({ maxLineLength: 200 });
  const updates: LineUpdate[] = [];
  for (let at = 0; at < bytes.length; at += size) updates.push(...p.push(bytes.subarray(at, at + size)));
  updates.push(...p.end());
  return { result: p.result(), updates };
}

/** Mostly `usual`, sometimes one of the near misses. */
function mostly(usual: string[], near: string[]): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 5, arbitrary: fc.constantFrom(...usual) },
    { weight: 1, arbitrary: fc.constantFrom(...near) },
  );
}
const stamp = mostly(
  ['[    1.000000] ', '[    2.500000]', '[ 12.5] ', '[123456789.123456] '],
  ['[123456789.1234567] ', '[1234567890.12345678] ', '[    3.000000][    T1] ', '<6>[    4.000000] ', ''],
);
const initcall = fc
  .tuple(
    mostly(['foo_init', 'a.b$c', 'BUG_panic', 'x'], ['kernel:', '']),
    mostly(['', '+0x0/0x20'], ['+0x1f/0xzz', '+0x/0x1', '+0x1/']),
    mostly(['', ' [e1000]', ' [a-b_c]'], [' [mod', ' []', ' [x y]']),
    mostly(['0', '-19', '-0', '123456789012345'], ['1234567890123456', '-', '']),
    mostly(['3', '0', '123456789012345'], ['1234567890123456', '']),
    mostly([''], [' tail', '\x1b[0m', '\r', ' ', 's']),
  )
  .chain(([f, off, mod, ret, usecs, tail]) =>
    mostly(
      [
        `initcall ${f}${off}${mod} returned ${ret} after ${usecs} usecs${tail}`,
        `calling  ${f}${off}${mod} @ ${usecs}${tail}`,
      ],
      [
        `calling ${f}${off}${mod} @ ${usecs}${tail}`,
        `calling   ${f} @ 1`,
        `initcall ${f} returned ${ret} after ${usecs} usec`,
      ],
    ),
  );
const other = fc.constantFrom(
  'Linux version 6.1.0-13-amd64 (debian-kernel@lists.debian.org) (gcc-12 (Debian 12.2.0-14) 12.2.0)',
  'x86/fpu: Supporting XSAVE feature 0x001',
  'Run /init as init process',
  '  with arguments:',
  '    /init',
  'BUG: kernel NULL pointer dereference, address: 0000000000000000',
  'Call Trace:',
  ' <TASK>',
  ' do_one_initcall+0x5b/0x320',
  ' </TASK>',
  '---[ end trace 0000000000000000 ]---',
  'Kernel panic - not syncing: Attempted to kill init! exitcode=0x00000009',
  'e1000 0000:00:03.0 eth0: (PCI:33MHz:32-bit) 52:54:00:12:34:56',
  'Freeing unused kernel image (initmem) memory: 2000K',
  'random: crng init done',
);
const line = fc.tuple(stamp, fc.oneof({ weight: 3, arbitrary: initcall }, { weight: 2, arbitrary: other }));
// Mostly opened by a banner that names the architecture: the initcall fast path waits for it.
const banner = fc.oneof(
  { weight: 4, arbitrary: fc.constant('[    0.000000] Linux version 6.1.0-13-amd64 (gcc-12)\n') },
  { weight: 1, arbitrary: fc.constant('') },
);
const log = fc
  .tuple(banner, fc.array(line, { minLength: 1, maxLength: 60 }))
  .chain(([head, lines]) =>
    fc
      .array(fc.constantFrom('\n', '\r\n'), { minLength: lines.length, maxLength: lines.length })
      .map((ends) => head + lines.map(([s, m], i) => `${s}${m}${ends[i]}`).join('')),
  );

describe('fast paths', () => {
  it('parse every log as the general path does', () => {
    fc.assert(
      fc.property(log, (text) => {
        const bytes = Buffer.from(text, 'latin1');
        const fast = parse(bytes, bytes.length);
        const general = parse(bytes, 3);
        expect(JSON.stringify(fast.updates)).toBe(JSON.stringify(general.updates));
        expect(JSON.stringify(fast.result)).toBe(JSON.stringify(general.result));
      }),
      { numRuns: 400 },
    );
  });

  it('take the fast path for the lines they are for', () => {
    // Not a vacuous comparison: the log above does reach the initcall table on both paths.
    const text = [
      '[    0.000000] Linux version 6.1.0-13-amd64 (debian-kernel@lists.debian.org) (gcc-12)',
      '[    0.100000] calling  foo_init+0x0/0x20 @ 1',
      '[    0.100100] initcall foo_init+0x0/0x20 returned 0 after 7 usecs',
      '[    0.200000] calling  e1000_init_module+0x0/0x1000 [e1000] @ 112',
      '[    0.200900] initcall e1000_init_module+0x0/0x1000 [e1000] returned -19 after 900 usecs',
    ].join('\n');
    const { result, updates } = parse(Buffer.from(`${text}\n`), 1 << 16);
    expect(result.initcalls).toEqual([
      { fn: 'foo_init', usecs: 7, ret: 0, line: 3, time: 0.1, module: null },
      { fn: 'e1000_init_module', usecs: 900, ret: -19, line: 5, time: 0.2, module: 'e1000' },
    ]);
    expect(updates.map((u) => u.cls)).toEqual(['kernel', 'kernel', 'kernel', 'kernel', 'kernel']);
    expect(result.stats.byClass.kernel).toBe(5);
  });
});
