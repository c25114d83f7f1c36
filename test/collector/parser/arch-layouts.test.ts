/**
 * arm64 and riscv64 report layouts and the log's architecture. Real logs only: Debian 12's
 * arm64 kernel under QEMU (test/fixtures/crashes-arm64, made by make-arm64-corpus.sh), a
 * syzbot arm64 report and riscv64 reports quoted on the kernel mailing list.
 */
import { describe, expect, it } from 'vitest';
import { parseLog } from '../../../collector/parser/index.ts';
import { fixtureBytes } from '../../helpers/fixtures.ts';

const arm64 = (f: string) => parseLog(fixtureBytes(`crashes-arm64/${f}`));
const stamp = (lines: string[]) => lines.map((l, i) => `[   65.${String(700000 + i)}] ${l}`).join('\n');

describe('arm64 logs of a Debian kernel under QEMU', () => {
  it('tells the architecture from the banner and early lines', () => {
    for (const f of ['sysrq_crash.log', 'init_exit.log', 'hung_task.log', 'booted.log'])
      expect(arm64(f).arch, f).toBe('arm64');
  });

  it('titles a sysrq crash and an init that exits', () => {
    const sysrq = arm64('sysrq_crash.log');
    expect(sysrq.outcome).toBe('panic');
    expect(sysrq.crashes[0]).toMatchObject({ kind: 'panic', title: 'kernel panic: sysrq triggered crash' });
    // The panic's own `Call trace:` (arm64's spelling) belongs to it.
    expect(sysrq.crashes[0].frames.map((f) => f.fn)).toContain('write_sysrq_trigger');
    const exit = arm64('init_exit.log');
    expect(exit.crashes[0].title).toBe('kernel panic: Attempted to kill init!');
  });

  it('names a hung task by the first frame that is not waiting', () => {
    const r = arm64('hung_task.log');
    // Blocked opening a file on a frozen file system: the rwsem wait is skipped.
    expect(r.crashes.length).toBeGreaterThan(0);
    for (const c of r.crashes)
      expect(c).toMatchObject({ kind: 'hung_task', title: 'INFO: task hung in mnt_want_write' });
    expect(r.outcome).toBe('booted');
  });

  it('ends a boot at the hung-task panic', () => {
    const r = arm64('hung_task_panic.log');
    expect(r.outcome).toBe('panic');
    expect(r.crashes.map((c) => c.title)).toEqual([
      'INFO: task hung in mnt_want_write',
      'kernel panic: hung_task: blocked tasks',
    ]);
  });

  it('reads an init that is no program and a missing root file system as on x86', () => {
    const noexec = arm64('init_noexec.log');
    expect(noexec.panic?.reason).toMatch(/^No working init found/);
    expect(noexec.events.find((e) => e.kind === 'init_exec')).toMatchObject({
      path: '/init',
      errnoName: 'ENOEXEC',
    });
    expect(noexec.diagnosis[0].option).toBe('CONFIG_BINFMT_ELF');
    expect(arm64('no_rootfs.log').panic?.reason).toBe('VFS: Unable to mount root fs on unknown-block(0,0)');
    expect(arm64('booted.log').outcome).toBe('booted');
  });
});

describe('arm64 report layout', () => {
  // syzbot's arm64 report (linux-fsdevel, 2024-09-26, "BUG: unable to handle kernel NULL
  // pointer dereference in read_cache_folio"), symbolized as syzbot mails it; registers cut.
  const syzbot = [
    'Unable to handle kernel NULL pointer dereference at virtual address 0000000000000000',
    'Mem abort info:',
    '  ESR = 0x0000000086000006',
    '  EC = 0x21: IABT (current EL), IL = 32 bits',
    '  FSC = 0x06: level 2 translation fault',
    'user pgtable: 4k pages, 52-bit VAs, pgdp=00000000462cce00',
    'Internal error: Oops: 0000000086000006 [#1] PREEMPT SMP',
    'Modules linked in:',
    'CPU: 1 UID: 0 PID: 3265 Comm: syz-executor218 Tainted: G    B              6.11.0-syzkaller-08481-g88264981f208 #0',
    'Hardware name: linux,dummy-virt (DT)',
    'pstate: 61400809 (nZCv daif +PAN -UAO -TCO +DIT -SSBS BTYPE=-c)',
    'pc : 0x0',
    'lr : filemap_read_folio+0x44/0xf4 mm/filemap.c:2363',
    'sp : ffff800088e6bac0',
    'x29: ffff800088e6bac0 x28: f1f000000474e000 x27: 0000000020ffd000',
    'Call trace:',
    ' 0x0',
    ' do_read_cache_folio+0x18c/0x29c mm/filemap.c:3821',
    ' read_cache_folio+0x14/0x20 mm/filemap.c:3853',
    ' freader_get_folio+0x1a8/0x1f8 lib/buildid.c:72',
    ' __arm64_sys_ioctl+0xac/0xf0 fs/ioctl.c:893',
    ' el0t_64_sync+0x19c/0x1a0 arch/arm64/kernel/entry.S:598',
    'Code: ???????? ???????? ???????? ???????? (????????) ',
    '---[ end trace 0000000000000000 ]---',
  ];

  it('titles a NULL dereference at pc 0x0 by the call trace, as syzbot did', () => {
    const r = parseLog(stamp(syzbot));
    expect(r.arch).toBe('arm64');
    expect(r.crashes).toHaveLength(1);
    expect(r.crashes[0]).toMatchObject({
      kind: 'oops',
      title: 'BUG: unable to handle kernel NULL pointer dereference in read_cache_folio',
      function: 'read_cache_folio',
      line: 1,
      endLine: syzbot.length,
    });
  });

  it('takes the function from `pc :` and keeps `Internal error:` inside the report', () => {
    const lines = [...syzbot];
    lines[11] = 'pc : faulty_write+0x10/0x20 [faulty]';
    const r = parseLog(stamp(lines));
    expect(r.crashes.map((c) => c.title)).toEqual([
      'BUG: unable to handle kernel NULL pointer dereference in faulty_write',
    ]);
  });
});

describe('arm64 faults syzkaller has no format for', () => {
  // An arm64 write to read-only memory (netdev, 2026-05, "netfilter: br_netfilter: ..."; a
  // 6.12 kernel on an Airoha board), registers cut: syzbot titles such reports by their header
  // line, as it did "Unable to handle kernel write to read-only memory at virtual address ADDR".
  const writeRo = [
    'Unable to handle kernel write to read-only memory at virtual address ffffff8004d76ffe',
    'Mem abort info:',
    '  ESR = 0x000000009600004f',
    '  EC = 0x25: DABT (current EL), IL = 32 bits',
    '  FSC = 0x0f: level 3 permission fault',
    'swapper pgtable: 4k pages, 39-bit VAs, pgdp=0000000080dc4000',
    '[ffffff8004d76ffe] pgd=180000009ffff003, p4d=180000009ffff003, pud=180000009ffff003, pmd=180000009ffe3003, pte=0060000084d76787',
    'Internal error: Oops: 000000009600004f [#1] SMP',
    'CPU: 0 UID: 0 PID: 235 Comm: napi/qdma_eth-3 Tainted: G           O       6.12.57 #0',
    'Hardware name: Airoha AN7581 Evaluation Board (DT)',
    'pstate: 60400005 (nZCv daif +PAN -UAO -TCO -DIT -SSBS BTYPE=--)',
    'pc : br_nf_pre_routing_finish_bridge+0x1ac/0xcc8 [br_netfilter]',
    'lr : br_nf_pre_routing_finish_bridge+0x18c/0xcc8 [br_netfilter]',
    'sp : ffffffc0817cba20',
    'x29: ffffffc0817cba20 x28: 0000000000000000 x27: ffffff8002b89000',
    'Call trace:',
    ' br_nf_pre_routing_finish_bridge+0x1ac/0xcc8 [br_netfilter]',
    ' br_nf_hook_thresh+0xd4/0x14bc [br_netfilter]',
    ' br_handle_frame+0x180/0x480',
    ' __netif_receive_skb_core.constprop.0+0x540/0xf40',
    ' kthread+0xd8/0xdc',
    ' ret_from_fork+0x10/0x20',
    'Code: 88dffc22 3707ffc2 f9406663 f9406684 (f81f0064)',
    '---[ end trace 0000000000000000 ]---',
    'Kernel panic - not syncing: Oops: Fatal exception in interrupt',
  ];

  it('titles a write to read-only memory by its header line, addresses as ADDR', () => {
    const r = parseLog(stamp(writeRo));
    expect(r.arch).toBe('arm64');
    expect(r.crashes.map((c) => [c.kind, c.title, c.function, c.endLine])).toEqual([
      [
        'oops',
        'Unable to handle kernel write to read-only memory at virtual address ADDR',
        'br_nf_pre_routing_finish_bridge',
        writeRo.length - 1,
      ],
      ['panic', 'kernel panic: Fatal exception', null, writeRo.length],
    ]);
    expect(r.crashes[0].corrupted).toBeUndefined();
  });
});

describe('riscv64 report layout', () => {
  // A BUG_ON() hit on riscv64 (linux-kernel, 2021-04, "riscv: kprobes: ..."): `Kernel BUG [#1]`
  // after `kernel BUG at`, `epc :`/` ra :`, the register dump, `[<pc>] f+0x..` frames.
  const bug = [
    '------------[ cut here ]------------',
    'kernel BUG at fs/buffer.c:1251!',
    'Kernel BUG [#1]',
    'Modules linked in:',
    'CPU: 0 PID: 51 Comm: sh Not tainted 5.12.0-rc4 #1',
    'Hardware name: riscv-virtio,qemu (DT)',
    'epc : __find_get_block+0x218/0x2c8',
    ' ra : __getblk_gfp+0x1c/0x4a',
    'epc : ffffffe00019f11e ra : ffffffe00019f56a sp : ffffffe002437930',
    ' gp : ffffffe000f06030 tp : ffffffe0015abc00 t0 : ffffffe00191e038',
    ' s1 : ffffffe00160ad00 a0 : ffffffe00160ad00 a1 : 000000000000012a',
    ' s11: 0000000000000008 t3 : 00000000000003ff t4 : 000000000000000f',
    ' t5 : 00000000000003ff t6 : 0000000000040000',
    'status: 0000000000000100 badaddr: 0000000000000000 cause: 0000000000000003',
    'Call Trace:',
    '[<ffffffe00019f11e>] __find_get_block+0x218/0x2c8',
    '[<ffffffe00020017a>] __ext4_get_inode_loc+0xb2/0x2f6',
    '[<ffffffe000165c26>] sys_read+0xe/0x16',
    '[<ffffffe000003972>] ret_from_syscall+0x0/0x2',
    '---[ end trace fe93f985456c935d ]---',
  ];

  it('titles a BUG() by epc, in one report', () => {
    const r = parseLog(stamp(bug));
    expect(r.arch).toBe('riscv64');
    expect(r.crashes).toHaveLength(1);
    expect(r.crashes[0]).toMatchObject({
      kind: 'bug',
      title: 'kernel BUG in __find_get_block',
      function: '__find_get_block',
      location: 'fs/buffer.c:1251',
      endLine: bug.length,
    });
  });

  // A NULL call before SBI was set up (linux-kernel, 2022-05, "riscv: move sbi_init() earlier
  // before jump_label_init()"): `epc : 0x0`, no stack, the idle task killed.
  const nullCall = [
    'Unable to handle kernel NULL pointer dereference at virtual address 0000000000000000',
    'Oops [#1]',
    'Modules linked in:',
    'CPU: 0 PID: 0 Comm: swapper Not tainted 5.18.0-rc7+ #79',
    'Hardware name: riscv-virtio,qemu (DT)',
    'epc : 0x0',
    ' ra : sbi_remote_fence_i+0x1e/0x26',
    'epc : 0000000000000000 ra : ffffffff80005826 sp : ffffffff80c03d50',
    ' gp : ffffffff80ca6178 tp : ffffffff80c0ad80 t0 : 6200000000000000',
    'status: 0000000000000100 badaddr: 0000000000000000 cause: 000000000000000c',
    '---[ end trace 0000000000000000 ]---',
    'Kernel panic - not syncing: Attempted to kill the idle task!',
  ];

  it('marks a NULL dereference without a function or stack as corrupted, then the panic', () => {
    const r = parseLog(stamp(nullCall));
    expect(r.outcome).toBe('panic');
    expect(r.crashes.map((c) => [c.title, c.corrupted === true, c.endLine])).toEqual([
      ['BUG: unable to handle kernel NULL pointer dereference in corrupted', true, 11],
      ['kernel panic: Attempted to kill the idle task!', false, 12],
    ]);
  });
});

describe('architecture of other logs', () => {
  it('is x86_64 for an x86_64 boot and null when the log does not tell', () => {
    expect(parseLog(fixtureBytes('logs/05-net-e1000.log')).arch).toBe('x86_64');
    expect(parseLog('hello\nworld\n').arch).toBeNull();
  });

  it('is null for 32-bit x86 (its early lines are x86_64-like, its word size is not)', () => {
    const r = parseLog(fixtureBytes('logs/01-serial-no-initrd.log'));
    expect(r.kernel.bits).toBe(32);
    expect(r.arch).toBeNull();
  });
});
