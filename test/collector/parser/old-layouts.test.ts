/**
 * Reports in the layouts of older and 32-bit kernels keep every line to their end: raw stack
 * words of 8 digits, the page-table walk (`*pde = `), and the trap site printed again after
 * `Code:` (`RIP  [<addr>] f+0x..`, ` RSP <addr>`).
 */
import { describe, expect, it } from 'vitest';
import { parseLog } from '../../../collector/parser/index.ts';

// A 4.4 x86_64 paging fault in a module's probe, in the kernel's own layout of that time.
const OLD_X86_64 = `[   40.000001] BUG: unable to handle kernel paging request at ffffc90000a5c000
[   40.000002] IP: [<ffffffff8123abcd>] __memset+0x24/0x30
[   40.000003] PGD 1a2b067 PUD 1a2c067 PMD 3a5e1067 PTE 0
[   40.000004] Oops: 0002 [#1] SMP
[   40.000005] CPU: 1 PID: 777 Comm: modprobe Not tainted 4.4.0 #1
[   40.000006] task: ffff88003d1b4000 ti: ffff88003a5e0000 task.ti: ffff88003a5e0000
[   40.000007] RIP: 0010:[<ffffffff8123abcd>]  [<ffffffff8123abcd>] __memset+0x24/0x30
[   40.000008] RSP: 0018:ffff88003a5e3c70  EFLAGS: 00010246
[   40.000009] Stack:
[   40.000010]  ffff88003a5e3ca8 ffffffffa0012345 0000000000001000 ffff88003d00a000
[   40.000011] Call Trace:
[   40.000012]  [<ffffffffa0012345>] mydrv_init_ring+0x45/0x90 [mydrv]
[   40.000013]  [<ffffffffa0012456>] mydrv_probe+0x106/0x200 [mydrv]
[   40.000014]  [<ffffffff814a1234>] pci_device_probe+0x84/0xf0
[   40.000015] Code: 48 89 f9 48 c1 e9 03 40 0f b6 f6 48 b8 01 01 01 01 01 01 01 01 48 0f af c6 <f3> 48 ab 89 d1 f3 aa 4c 89 c8 c3 90 49 89 f9 40 88 f0 48 89
[   40.000016] RIP  [<ffffffff8123abcd>] __memset+0x24/0x30
[   40.000017]  RSP <ffff88003a5e3c70>
[   40.000018] ---[ end trace 1a2b3c4d5e6f7a8b ]---
`;

// A 3.10 i386 NULL dereference: `EIP is at f+0x..`, 8-digit stack words, `*pde =`.
const I386 = `[   50.000001] BUG: unable to handle kernel NULL pointer dereference at 00000004
[   50.000002] IP: [<c11a2b3c>] ext2_get_block+0x2c/0x6b0
[   50.000003] *pde = 00000000
[   50.000004] Oops: 0000 [#2] SMP
[   50.000005] CPU: 0 PID: 901 Comm: cp Not tainted 3.10.0 #1
[   50.000006] task: f5a4c000 ti: f5b22000 task.ti: f5b22000
[   50.000007] EIP: 0060:[<c11a2b3c>] EFLAGS: 00010246 CPU: 0
[   50.000008] EIP is at ext2_get_block+0x2c/0x6b0
[   50.000009] EAX: 00000000 EBX: f5b23e40 ECX: 00000000 EDX: 00000001
[   50.000010] Stack:
[   50.000011]  f5b23e40 c11a2000 00000001 f5b23e70
[   50.000012] Call Trace:
[   50.000013]  [<c1123456>] __block_write_begin+0x1b6/0x4a0
[   50.000014]  [<c11a1111>] ext2_write_begin+0x41/0x80
[   50.000015]  [<c10d2222>] generic_perform_write+0xb2/0x1a0
[   50.000016] Code: 89 c3 8b 40 04 <8b> 50 04 85 d2 74 0a
[   50.000017] EIP: [<c11a2b3c>] ext2_get_block+0x2c/0x6b0 SS:ESP 0068:f5b23e1c
[   50.000018] ---[ end trace 2b3c4d5e6f7a8b9c ]---
`;

describe('old and 32-bit oops layouts', () => {
  it('x86_64 with `RIP: 0010:[<a>]  [<a>] f` runs to its end-trace line, named by the call trace', () => {
    const [oops] = parseLog(Buffer.from(OLD_X86_64)).crashes;
    expect(oops).toMatchObject({
      title: 'BUG: unable to handle kernel paging request in mydrv_init_ring',
      line: 1,
      endLine: 18,
    });
    expect(oops.corrupted).toBeUndefined();
  });

  it('i386 with `EIP is at f` runs to its end-trace line and is whole', () => {
    const [oops] = parseLog(Buffer.from(I386)).crashes;
    expect(oops).toMatchObject({
      title: 'BUG: unable to handle kernel NULL pointer dereference in ext2_get_block',
      function: 'ext2_get_block',
      line: 1,
      endLine: 18,
    });
    expect(oops.frames.map((f) => f.fn)).toEqual([
      '__block_write_begin',
      'ext2_write_begin',
      'generic_perform_write',
    ]);
    expect(oops.corrupted).toBeUndefined();
  });
});
