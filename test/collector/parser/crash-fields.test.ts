/**
 * What each crash carries beyond its title: the guilty function and source file, the
 * report's extent (header line to last line) and a signature that groups reports of one
 * bug across boots. Real reports only (test/fixtures/crashes, test/fixtures/syzkaller).
 */
import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseLog } from '../../../collector/parser/index.ts';
import type { Crash } from '../../../common/types/parse.ts';
import { FIXTURES_DIR, fixtureBytes } from '../../helpers/fixtures.ts';

const corpus = (f: string) => parseLog(fixtureBytes(`crashes/${f}`));
/** A syzkaller test-data report: the console text after the header lines. */
function syzkaller(name: string) {
  const bytes = fixtureBytes(`syzkaller/${name}`);
  return parseLog(bytes.subarray(bytes.toString('latin1').indexOf('\n\n') + 2));
}
const lineOf = (f: string, n: number) => fixtureBytes(`crashes/${f}`).toString('latin1').split('\n')[n - 1];

describe('every crash of the real corpus', () => {
  const logs = readdirSync(`${FIXTURES_DIR}crashes`).filter((f) => f.endsWith('.log'));
  const all: [string, Crash][] = logs.flatMap((f) => corpus(f).crashes.map((c) => [f, c] as [string, Crash]));

  it.each(all)('%s: %s', (_f, c) => {
    expect(c.endLine).toBeGreaterThanOrEqual(c.line);
    expect(c.signature.startsWith(`${c.kind}:`)).toBe(true);
    if (c.kind !== 'panic') expect(c.function).toBeTruthy();
    expect(c.file === null || /\.[ch]$/.test(c.file)).toBe(true);
  });
});

describe('guilty function and file', () => {
  it('names the function of the title and the file the report points at', () => {
    const [bug] = corpus('kernel_bug.log').crashes;
    expect(bug).toMatchObject({ function: 'lkdtm_BUG', file: 'drivers/misc/lkdtm/bugs.c' });
    const [warn] = corpus('warning.log').crashes;
    expect(warn).toMatchObject({ function: 'lkdtm_WARNING', file: 'drivers/misc/lkdtm/bugs.c' });
  });

  it('skips library and core files for the guilty file (syzkaller routes to maintainers by it)', () => {
    // kernel/workqueue.c, lib/*, kernel/panic.c, arch/x86/kernel/traps.c come first in this report.
    expect(syzkaller('400').crashes[0]).toMatchObject({
      function: 'blk_sync_queue',
      file: 'block/blk-core.c',
    });
  });

  it('makes a build directory path relative to the tree', () => {
    expect(syzkaller('520').crashes[0].file).toBe('arch/x86/kernel/uprobes.c');
  });

  it('has no file when the report names none', () => {
    expect(corpus('kasan_uaf_read.log').crashes[0].file).toBeNull();
  });
});

describe('arm64 registers', () => {
  // A Raspberry Pi 5 oops as journalctl -o short-precise shows it (a report quoted in
  // raspberrypi/linux issue #6792): `pstate:` before `pc :`, the fault in a copy helper.
  const log = [
    'Apr 15 13:58:08.665119 raspberrypi kernel: Internal error: Oops: 0000000096000005 [#2] PREEMPT SMP',
    'Apr 15 13:58:08.665172 raspberrypi kernel: Modules linked in: veth nf_conntrack_netlink xt_nat xt_tcpudp',
    'Apr 15 13:58:08.732676 raspberrypi kernel: CPU: 3 UID: 0 PID: 2266 Comm: containerd-shim Tainted: G      D            6.12.20+rpt-rpi-2712 #1  Debian >',
    'Apr 15 13:58:08.732701 raspberrypi kernel: Tainted: [D]=DIE',
    'Apr 15 13:58:08.732721 raspberrypi kernel: Hardware name: Raspberry Pi 5 Model B Rev 1.0 (DT)',
    'Apr 15 13:58:08.732741 raspberrypi kernel: pstate: 80400009 (Nzcv daif +PAN -UAO -TCO -DIT -SSBS BTYPE=--)',
    'Apr 15 13:58:08.732759 raspberrypi kernel: pc : __arch_copy_to_user+0xd8/0x240',
    'Apr 15 13:58:08.732779 raspberrypi kernel: lr : _copy_to_iter+0xf4/0x6a8',
    'Apr 15 13:58:08.732797 raspberrypi kernel: sp : ffffc00084d4bb60',
  ].join('\n');

  it('skips copy helpers at pc and in lr: cut before its call trace, the report is corrupted', () => {
    // __arch_copy_to_user and _copy_to_iter are both on syzkaller's skip list (copy_to_user,
    // copy_to_iter): only the call trace could name the caller, and the quote stops before it.
    const [oops] = parseLog(log).crashes;
    expect(oops).toMatchObject({ kind: 'oops', function: null, line: 1, endLine: 9, corrupted: true });
    expect(oops.title).toBe('Internal error in corrupted');
  });
});

describe('report extent', () => {
  it('runs from the header to the last line of the report', () => {
    const [warn] = corpus('warning.log').crashes;
    expect(lineOf('warning.log', warn.line)).toMatch(/WARNING: CPU: \d+ PID: \d+ at/);
    expect(lineOf('warning.log', warn.endLine)).toMatch(/---\[ end trace/);
    const [kasan] = corpus('kasan_uaf_read.log').crashes;
    expect(lineOf('kasan_uaf_read.log', kasan.line)).toMatch(/BUG: KASAN: use-after-free/);
    expect(lineOf('kasan_uaf_read.log', kasan.endLine)).toMatch(/={20,}/);
  });
});

describe('signature', () => {
  it('is kind and title with varying numbers normalised', () => {
    expect(corpus('no_rootfs.log').crashes[0].signature).toBe(
      'panic:kernel panic: VFS: Unable to mount root fs on unknown-block(N,N)',
    );
    expect(corpus('kasan_uaf_read.log').crashes[0].signature).toBe(
      'kasan:KASAN: use-after-free Read in lkdtm_READ_AFTER_FREE',
    );
  });

  it('is the same when the same bug is reported with other addresses, times, PIDs and CPUs', () => {
    const text = fixtureBytes('crashes/kasan_uaf_read.log').toString('latin1');
    const rerun = text
      .replace(/\b[0-9a-f]{16}\b/g, (h) => h.slice(0, 10) + 'abcdef')
      .replace(/\[\s*(\d+)\.(\d+)\]/g, (_m, s, us) => `[${String(Number(s) + 100).padStart(5)}.${us}]`)
      .replace(/PID: \d+/g, 'PID: 4242')
      .replace(/CPU: \d+/g, 'CPU: 1');
    const a = corpus('kasan_uaf_read.log').crashes.map((c) => c.signature);
    const b = parseLog(Buffer.from(rerun, 'latin1')).crashes.map((c) => c.signature);
    expect(b).toEqual(a);
    expect(corpus('kasan_uaf_write.log').crashes[0].signature).not.toBe(a[0]);
  });

  it('groups repeated reports of one bug in a boot', () => {
    const sigs = new Set(
      corpus('atomic_sleep.log')
        .crashes.slice(1)
        .map((c) => c.signature),
    );
    expect(sigs.size).toBe(1);
  });
});
