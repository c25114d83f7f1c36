/**
 * `BUG: Bad page state` as mm/page_alloc.c bad_page() prints it: the header, the page dump
 * (__dump_page), page_owner's allocation and free stacks when page_owner=on, the modules and
 * the stack of whoever freed the page. syzkaller titles it by the allocation stack (the
 * freeing stack is the victim's); without page_owner it finds no culprit.
 */
import { describe, expect, it } from 'vitest';
import { parseLog } from '../../../collector/parser/index.ts';
import { stamped as stampedFrom } from '../../helpers/stamped.ts';

const stamped = (lines: string) => stampedFrom(lines, 95, 0.000211);

const HEADER = `
BUG: Bad page state in process syz-executor.3  pfn:6b0a5
page:ffffea0001ac2940 refcount:0 mapcount:0 mapping:0000000000000000 index:0x0 pfn:0x6b0a5
flags: 0xfff00000000800(arch_1|node=0|zone=1|lastcpupid=0x7ff)
page_type: 0xffffffff()
raw: 00fff00000000800 ffffea0001ac2948 ffffea0001ac2948 0000000000000000
raw: 0000000000000000 0000000000000000 00000000ffffffff 0000000000000000
page dumped because: PAGE_FLAGS_CHECK_AT_FREE flag(s) set`;

const PAGE_OWNER = `
page_owner tracks the page as freed
page last allocated via order 0, migratetype Unmovable, gfp_mask 0x400dc0(GFP_KERNEL_ACCOUNT|__GFP_ZERO), pid 5102, tgid 5101 (syz-executor.3), ts 94476231452, free_ts 94487325713
 post_alloc_hook+0x2d8/0x350
 get_page_from_freelist+0xa28/0x3780
 __alloc_pages+0x22e/0x2420
 alloc_pages_mpol+0x258/0x5f0
 io_mem_alloc+0x33/0x60
 io_uring_setup+0x13ed/0x2430
 __x64_sys_io_uring_setup+0x191/0x1c0
 do_syscall_64+0xd3/0x250
 entry_SYSCALL_64_after_hwframe+0x77/0x7f
page last free pid 5101 tgid 5101 stack trace:
 free_unref_page_prepare+0x527/0xb10
 free_unref_page+0x33/0x3c0
 __io_uring_free+0x1a4/0x250
 io_ring_exit_work+0x5a6/0x6e0
 process_one_work+0x889/0x15e0
 worker_thread+0x855/0x1200
 kthread+0x2c1/0x3a0
 ret_from_fork+0x45/0x80
 ret_from_fork_asm+0x1a/0x30`;

const TAIL = `
Modules linked in:
CPU: 0 PID: 5103 Comm: syz-executor.3 Not tainted 6.8.0-rc5 #1
Hardware name: QEMU Standard PC (i440FX + PIIX, 1996), BIOS 1.16.2-debian-1.16.2-1 04/01/2014
Call Trace:
 <TASK>
 dump_stack_lvl+0x1e7/0x2e0
 bad_page+0x1b1/0x200
 free_page_is_bad_report+0xe7/0x100
 free_unref_page_prepare+0x7c1/0xb10
 free_unref_page+0x33/0x3c0
 io_mem_free+0x10a/0x140
 io_ring_ctx_free+0x5b/0x4f0
 io_ring_exit_work+0x5a6/0x6e0
 process_one_work+0x889/0x15e0
 worker_thread+0x855/0x1200
 kthread+0x2c1/0x3a0
 ret_from_fork+0x45/0x80
 ret_from_fork_asm+0x1a/0x30
 </TASK>
Disabling lock debugging due to kernel taint`;

describe('BUG: Bad page state', () => {
  it("names the page's allocator from page_owner's stack, skipping the page allocator itself", () => {
    const [c, ...rest] = parseLog(stamped(HEADER + PAGE_OWNER + TAIL)).crashes;
    expect(rest).toEqual([]);
    // post_alloc_hook, get_page_from_freelist, __alloc_pages, alloc_pages_mpol and io_mem_alloc
    // are allocator frames; io_ring_ctx_free, in the freeing stack, is not the culprit.
    expect(c).toMatchObject({ kind: 'bug', title: 'BUG: Bad page state in io_uring_setup', line: 1 });
    expect(c.corrupted).toBeUndefined();
    // The report runs through the page dump and both page_owner stacks to the freeing stack.
    expect(c.report.some((l) => l.includes('page last free pid'))).toBe(true);
    expect(c.report.some((l) => l.includes('io_ring_ctx_free'))).toBe(true);
  });

  it('is `in corrupted` without page_owner: the freeing stack names a victim', () => {
    const [c] = parseLog(stamped(HEADER + TAIL)).crashes;
    expect(c).toMatchObject({ kind: 'bug', title: 'BUG: Bad page state in corrupted', corrupted: true });
  });

  it('keeps `BUG: Bad page map` titled by its header', () => {
    const [c] = parseLog(
      stamped(`
BUG: Bad page map in process syz-executor.0  pte:8000000071d8b067 pmd:7a8b3067
page:ffffea0001c762c0 refcount:0 mapcount:-1 mapping:0000000000000000 index:0x0 pfn:0x71d8b
flags: 0xfff00000000000(node=0|zone=1|lastcpupid=0x7ff)
page dumped because: bad pte
addr:0000000020ffc000 vm_flags:080000fb anon_vma:0000000000000000 mapping:ffff88801de3e4d8 index:0
file:kcov fault:0x0 mmap:kcov_mmap read_folio:0x0
CPU: 1 PID: 5110 Comm: syz-executor.0 Tainted: G    B              6.8.0-rc5 #1
Hardware name: QEMU Standard PC (i440FX + PIIX, 1996), BIOS 1.16.2-debian-1.16.2-1 04/01/2014
Call Trace:
 <TASK>
 dump_stack_lvl+0x1e7/0x2e0
 print_bad_pte+0x5bf/0x650
 zap_pte_range+0x1a4e/0x2f50
 unmap_page_range+0x6c6/0x1060
 </TASK>`),
    ).crashes;
    expect(c).toMatchObject({ kind: 'bug', title: 'BUG: Bad page map' });
  });
});
