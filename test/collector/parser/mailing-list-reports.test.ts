/**
 * Report variants the kernel has printed over the years, each a real excerpt quoted on a public
 * mailing list (the message is named; whole lines were left out, never changed), with the title
 * syzbot gives it: where syzbot reported it, its own subject; else the title syzkaller's rule
 * makes (`KCSAN: ` and the header; `UBSAN: KIND in` and the first frame past UBSAN's handlers;
 * `int3 in` and the faulting function). Reports of these classes from syzkaller's own test data
 * are in syzkaller.test.ts (KCSAN 750; KFENCE 590, 592, 594-599; UBSAN 40-42, 455, 457, 520;
 * a Rust panic 749).
 */
import { describe, expect, it } from 'vitest';
import { parseLog } from '../../../collector/parser/index.ts';

interface Excerpt {
  /** Where the report was quoted. */
  source: string;
  log: string;
  kind: string;
  title: string;
}

const EXCERPTS: Excerpt[] = [
  {
    // The kernel orders the two functions by name (kernel/kcsan/report.c): the header is the title.
    source: 'syzbot, linux-kernel, Reported-by: syzbot+492a4acccd8fc75ddfd0 (5.3, symbolized, no stamps)',
    kind: 'kcsan',
    title: 'KCSAN: data-race in exit_signals / prepare_signal',
    log: `==================================================================
BUG: KCSAN: data-race in exit_signals / prepare_signal

read to 0xffff888103566064 of 4 bytes by interrupt on cpu 0:
  sig_task_ignored kernel/signal.c:94 [inline]
  sig_ignored kernel/signal.c:119 [inline]
  prepare_signal+0x1f5/0x790 kernel/signal.c:956
  send_sigqueue+0xc1/0x4b0 kernel/signal.c:1859
  posix_timer_event kernel/time/posix-timers.c:328 [inline]
  posix_timer_fn+0x10d/0x230 kernel/time/posix-timers.c:354
  __run_hrtimer kernel/time/hrtimer.c:1389 [inline]
  __hrtimer_run_queues+0x288/0x600 kernel/time/hrtimer.c:1451
  hrtimer_interrupt+0x22a/0x480 kernel/time/hrtimer.c:1509

write to 0xffff888103566064 of 4 bytes by task 7604 on cpu 1:
  exit_signals+0x13b/0x490 kernel/signal.c:2822
  do_exit+0x1af/0x18e0 kernel/exit.c:825
  do_group_exit+0xb4/0x1c0 kernel/exit.c:983
  __do_sys_exit_group kernel/exit.c:994 [inline]
  __se_sys_exit_group kernel/exit.c:992 [inline]
  __x64_sys_exit_group+0x2e/0x30 kernel/exit.c:992
  do_syscall_64+0xcf/0x2f0 arch/x86/entry/common.c:296
  entry_SYSCALL_64_after_hwframe+0x44/0xa9

Reported by Kernel Concurrency Sanitizer on:
CPU: 1 PID: 7604 Comm: syz-executor.4 Not tainted 5.3.0+ #0
==================================================================`,
  },
  {
    // A race with an unknown other side names one function, printed with its offset.
    source: 'a KCSAN run of 6.0 on a list of fourteen data races (the 14th, `value changed`)',
    kind: 'kcsan',
    title: 'KCSAN: data-race in delayacct_add_tsk',
    log: `[  156.855874] ==================================================================
[  156.857671] BUG: KCSAN: data-race in delayacct_add_tsk+0xfa/0x550
[  156.859129]
[  156.859619] race at unknown origin, with read to 0xffff888008c470c8 of 8 bytes by task 26726 on cpu 1:
[  156.862975]  delayacct_add_tsk+0xfa/0x550
[  156.864862]  taskstats_exit+0xf2/0x5d0
[  156.866606]  do_exit+0x495/0x12b0
[  156.868011]  __x64_sys_exit+0x29/0x30
[  156.869609]  do_syscall_64+0x39/0x90
[  156.871147]  entry_SYSCALL_64_after_hwframe+0x63/0xcd
[  156.873310]
[  156.873960] value changed: 0x0000000001eab0ec -> 0x0000000001edb253
[  156.877070]
[  156.877750] Reported by Kernel Concurrency Sanitizer on:
[  156.879941] CPU: 1 PID: 26726 Comm: bpf_2nd_primiti Not tainted 6.0.0 #3
[  156.882520] Hardware name: QEMU Standard PC (i440FX + PIIX, 1996), BIOS 1.15.0-1 04/01/2014
[  156.885969] ==================================================================`,
  },
  {
    // Run through decode_stacktrace.sh: source lines become syzkaller's `LINE`, then the 120-byte cut.
    source:
      "linux-kernel, a KCSAN data race in r8169 on 6.6 (quoted-printable decoded, the reply's `> ` marks removed)",
    kind: 'kcsan',
    title:
      'KCSAN: data-race in rtl8169_poll (drivers/net/ethernet/realtek/r8169_main.c:LINE drivers/net/ethernet/realtek/r8169_main',
    log: `BUG: KCSAN: data-race in rtl8169_poll (drivers/net/ethernet/realtek/r8169_main.c:4430 drivers/net/ethernet/realtek/r8169_main.c:4583) r8169

race at unknown origin, with read to 0xffff888117e43510 of 4 bytes by interrupt on cpu 21:
rtl8169_poll (drivers/net/ethernet/realtek/r8169_main.c:4430 drivers/net/ethernet/realtek/r8169_main.c:4583) r8169
__napi_poll (net/core/dev.c:6527)
net_rx_action (net/core/dev.c:6596 net/core/dev.c:6727)
__do_softirq (kernel/softirq.c:553)`,
  },
  {
    // KCSAN's first wording (5.3 on ppc64le): `racing read`.
    source:
      'linux-kernel, KCSAN on ppc64le, Marco Elver\'s reply quoting "BUG: KCSAN: racing read in __spin_yield"',
    kind: 'kcsan',
    title: 'KCSAN: racing read in __spin_yield',
    log: `[   24.612864] ==================================================================
[   24.614188] BUG: KCSAN: racing read in __spin_yield+0xa8/0x180
[   24.614669]
[   24.614799] race at unknown origin, with read to 0xc00000003fff9d00 of 4 bytes by task 449 on cpu 11:
[   24.616024]  __spin_yield+0xa8/0x180
[   24.616377]  _raw_spin_lock_irqsave+0x1a8/0x1b0
[   24.616850]  release_pages+0x3a0/0x880
[   24.624835]  do_group_exit+0xb4/0x210
[   24.625985]  system_call+0x5c/0x70
[   24.626415]
[   24.626651] Reported by Kernel Concurrency Sanitizer on:
[   24.628329] CPU: 11 PID: 449 Comm: systemd-bless-b Not tainted 5.3.0-00007-gad29ff6c190d-dirty #9
[   24.629508] ==================================================================`,
  },
  {
    source:
      'syzbot, Subject "UBSAN: shift-out-of-bounds in dbAllocBits", Message-ID <0000000000000ece5005eaa8f1d1@google.com>',
    kind: 'ubsan',
    title: 'UBSAN: shift-out-of-bounds in dbAllocBits',
    log: `loop0: detected capacity change from 0 to 32768
================================================================================
UBSAN: shift-out-of-bounds in fs/jfs/jfs_dmap.c:2217:15
shift exponent -1368651876 is negative
CPU: 0 PID: 3606 Comm: syz-executor109 Not tainted 6.0.0-syzkaller-09039-ga6afa4199d3d #0
Hardware name: Google Google Compute Engine/Google Compute Engine, BIOS Google 09/22/2022
Call Trace:
 <TASK>
 __dump_stack lib/dump_stack.c:88 [inline]
 dump_stack_lvl+0x1b1/0x28e lib/dump_stack.c:106
 ubsan_epilogue lib/ubsan.c:151 [inline]
 __ubsan_handle_shift_out_of_bounds+0x33d/0x3b0 lib/ubsan.c:322
 dbAllocBits+0x96f/0x9c0 fs/jfs/jfs_dmap.c:2217
 dbAllocDmap fs/jfs/jfs_dmap.c:1999 [inline]
 dbAllocDmapLev+0x240/0x420 fs/jfs/jfs_dmap.c:1953
 dbAllocCtl+0x113/0x970 fs/jfs/jfs_dmap.c:1793
 do_syscall_64+0x3d/0xb0 arch/x86/entry/common.c:80
 entry_SYSCALL_64_after_hwframe+0x63/0xcd
 </TASK>
================================================================================`,
  },
  {
    // The overflow handler (`handle_overflow`) is skipped like UBSAN's own frames.
    source:
      'syzbot, "UBSAN: signed-integer-overflow in ip_idents_reserve", Message-ID <68fb6abc.050a0220.346f24.00c9.GAE@google.com>',
    kind: 'ubsan',
    title: 'UBSAN: signed-integer-overflow in ip_idents_reserve',
    log: `================================================================================
UBSAN: signed-integer-overflow in ./arch/x86/include/asm/atomic.h:165:11
1767536091 + 1282837187 cannot be represented in type 'int'
CPU: 0 PID: 7041 Comm: modprobe Not tainted syzkaller #0
Hardware name: Google Google Compute Engine/Google Compute Engine, BIOS Google 10/02/2025
Call Trace:
 <IRQ>
 dump_stack+0xfd/0x16e lib/dump_stack.c:118
 ubsan_epilogue+0xa/0x30 lib/ubsan.c:148
 handle_overflow+0x192/0x1b0 lib/ubsan.c:180
 arch_atomic_add_return arch/x86/include/asm/atomic.h:165 [inline]
 atomic_add_return include/asm-generic/atomic-instrumented.h:73 [inline]
 ip_idents_reserve+0x14a/0x170 net/ipv4/route.c:521
 __ip_select_ident+0xe4/0x1c0 net/ipv4/route.c:538
 iptunnel_xmit+0x466/0x7b0 net/ipv4/ip_tunnel_core.c:80
 udp_tunnel_xmit_skb+0x1ba/0x290 net/ipv4/udp_tunnel_core.c:190`,
  },
  {
    // 6.8 reports UBSAN under `cut here`, with a relative path.
    source:
      'linux-fsdevel, "fs: fix unintentional arithmetic wraparound in offset calculation" (syzkaller on 6.8-rc2)',
    kind: 'ubsan',
    title: 'UBSAN: signed-integer-overflow in generic_file_llseek_size',
    log: `[   67.991989] ------------[ cut here ]------------
[   67.995501] UBSAN: signed-integer-overflow in ../fs/read_write.c:91:10
[   68.000067] 9223372036854775807 + 4096 cannot be represented in type 'loff_t' (aka 'long long')
[   68.006266] CPU: 4 PID: 10851 Comm: syz-executor.5 Not tainted 6.8.0-rc2-00035-gb3ef86b5a957 #1
[   68.012353] Hardware name: QEMU Standard PC (i440FX + PIIX, 1996), BIOS 1.16.3-debian-1.16.3-2 04/01/2014
[   68.018983] Call Trace:
[   68.020803]  <TASK>
[   68.022540]  dump_stack_lvl+0x93/0xd0
[   68.025222]  handle_overflow+0x171/0x1b0
[   68.028053]  generic_file_llseek_size+0x35b/0x380`,
  },
  {
    // A mail client wrapped the header after ` in`: the header still opens the report.
    source: 'stable, "ixgbe: fix signed-integer-overflow warning" (arm64, 5.7-rc3, a module frame)',
    kind: 'ubsan',
    title: 'UBSAN: signed-integer-overflow in ixgbe_fc_enable_generic',
    log: `UBSAN: signed-integer-overflow in
drivers/net/ethernet/intel/ixgbe/ixgbe_common.c:2246:26
65535 * 65537 cannot be represented in type 'int'
CPU: 21 PID: 7 Comm: kworker/u256:0 Not tainted 5.7.0-rc3-debug+ #39
Hardware name: Huawei TaiShan 2280 V2/BC82AMDC, BIOS 2280-V2 03/27/2020
Workqueue: ixgbe ixgbe_service_task [ixgbe]
Call trace:
 dump_backtrace+0x0/0x3f0
 show_stack+0x28/0x38
 dump_stack+0x154/0x1e4
 ubsan_epilogue+0x18/0x60
 handle_overflow+0xf8/0x148
 __ubsan_handle_mul_overflow+0x34/0x48
 ixgbe_fc_enable_generic+0x4d0/0x590 [ixgbe]
 ixgbe_service_task+0xc20/0x1f78 [ixgbe]
 process_one_work+0x8f0/0xf18
 worker_thread+0x430/0x6d0
 kthread+0x218/0x238
 ret_from_fork+0x10/0x18`,
  },
  {
    // Inlined skb helpers print no `+0x` frame: the first real frame past UBSAN is the caller.
    source:
      'syzbot patch test, "UBSAN: object-size-mismatch in wg_xmit", Message-ID <0000000000002f1da805cb154204@google.com>',
    kind: 'ubsan',
    title: 'UBSAN: object-size-mismatch in wg_xmit',
    log: `================================================================================
UBSAN: object-size-mismatch in ./include/linux/skbuff.h:2048:28
member access within address 0000000096a277f4 with insufficient space
for an object of type 'struct sk_buff'
CPU: 0 PID: 3568 Comm: kworker/0:5 Not tainted 5.14.0-syzkaller #0
Hardware name: Google Google Compute Engine/Google Compute Engine, BIOS Google 01/01/2011
Workqueue: ipv6_addrconf addrconf_dad_work
Call Trace:
 __dump_stack lib/dump_stack.c:88 [inline]
 dump_stack_lvl+0x15e/0x1d3 lib/dump_stack.c:105
 ubsan_epilogue lib/ubsan.c:151 [inline]
 handle_object_size_mismatch lib/ubsan.c:232 [inline]
 ubsan_type_mismatch_common+0x1de/0x390 lib/ubsan.c:245
 __ubsan_handle_type_mismatch_v1+0x41/0x50 lib/ubsan.c:274
 __skb_queue_before include/linux/skbuff.h:2048 [inline]
 __skb_queue_tail include/linux/skbuff.h:2081 [inline]
 wg_xmit+0x4da/0xa60 drivers/net/wireguard/device.c:182`,
  },
  {
    source: 'kvm, "KVM: Fix Undefined Behavior Sanitizer(UBSAN) error" (6.8, a `.cold` module frame)',
    kind: 'ubsan',
    title: 'UBSAN: invalid-load in kvm_mmu_notifier_invalidate_range_end',
    log: `[  688.429156] UBSAN: invalid-load in arch/x86/kvm/../../../virt/kvm/kvm_main.c:655:10
[  688.437739] load of value 160 is not a valid value for type '_Bool'
[  688.444760] CPU: 370 PID: 8246 Comm: CPU 0/KVM Not tainted 6.8.2-amdsos-build58-ubuntu-22.04+ #1
[  688.444767] Hardware name: AMD Corporation Sh54p/Sh54p, BIOS WPC4429N 04/25/2024
[  688.444770] Call Trace:
[  688.444777]  <TASK>
[  688.444787]  dump_stack_lvl+0x48/0x60
[  688.444810]  ubsan_epilogue+0x5/0x30
[  688.444823]  __ubsan_handle_load_invalid_value+0x79/0x80
[  688.444827]  ? srso_alias_return_thunk+0x5/0xfbef5
[  688.444836]  ? flush_tlb_func+0xe9/0x2e0
[  688.444845]  kvm_mmu_notifier_invalidate_range_end.cold+0x18/0x4f [kvm]
[  688.444906]  __mmu_notifier_invalidate_range_end+0x63/0xe0`,
  },
  {
    // Symbolized: the first header names an inlined function; the next one, with `+0x`, is the header.
    source: 'syzbot, Reported-by: syzbot+edfd15cd4246a3fc615a (linux-next 20220923, io_uring)',
    kind: 'kasan',
    title: 'KASAN: invalid-free in io_clean_op',
    log: `==================================================================
BUG: KASAN: double-free in slab_free mm/slub.c:3599 [inline]
BUG: KASAN: double-free in __kmem_cache_free+0xab/0x3b0 mm/slub.c:3612
Free of addr ffff88801e642000 by task syz-executor374/3609

CPU: 0 PID: 3609 Comm: syz-executor374 Not tainted 6.0.0-rc6-next-20220923-syzkaller #0
Hardware name: Google Google Compute Engine/Google Compute Engine, BIOS Google 08/26/2022
Call Trace:
 <TASK>
 __dump_stack lib/dump_stack.c:88 [inline]
 dump_stack_lvl+0xcd/0x134 lib/dump_stack.c:106
 print_address_description mm/kasan/report.c:284 [inline]
 print_report+0x15e/0x45d mm/kasan/report.c:395
 kasan_report_invalid_free+0x97/0x1b0 mm/kasan/report.c:460
 ____kasan_slab_free+0x185/0x1c0 mm/kasan/common.c:225
 kasan_slab_free include/linux/kasan.h:177 [inline]
 slab_free_hook mm/slub.c:1669 [inline]
 slab_free_freelist_hook+0x8b/0x1c0 mm/slub.c:1695
 slab_free mm/slub.c:3599 [inline]
 __kmem_cache_free+0xab/0x3b0 mm/slub.c:3612
 io_clean_op+0x581/0xb10 io_uring/io_uring.c:1699
 io_free_batch_list+0x46f/0x7e0 io_uring/io_uring.c:1305
 __io_submit_flush_completions+0x22b/0x2e0 io_uring/io_uring.c:1343
 </TASK>

Allocated by task 3609:
 kasan_save_stack+0x1e/0x40 mm/kasan/common.c:45
 __kmalloc+0x54/0xc0 mm/slab_common.c:947
 io_alloc_async_data+0x9b/0x160 io_uring/io_uring.c:1590

Freed by task 3609:
 kasan_save_stack+0x1e/0x40 mm/kasan/common.c:45
 __kmem_cache_free+0xab/0x3b0 mm/slub.c:3612
 io_send_zc_cleanup+0x133/0x180 io_uring/net.c:916
==================================================================`,
  },
  {
    // 4.1 printed the canary's return address as a number: the stack names no culprit past the panic.
    source: 'linux-kernel, userfaultfd review on 4.1-rc2 ("the stack corruption panic")',
    kind: 'panic',
    title: 'kernel panic: stack is corrupted in corrupted',
    log: `[   48.302949] Kernel panic - not syncing: stack-protector: Kernel stack is corrupted in: ffffffff81251ad9
[   48.302949] 
[   48.303032] CPU: 0 PID: 603 Comm: a.out Not tainted 4.1.0-rc2-uffd-criu+ #27
[   48.303032] Hardware name: Bochs Bochs, BIOS Bochs 01/01/2011
[   48.303032]  0000000000000000 00000000e6804e19 ffff88003da13c28 ffffffff816c584a
[   48.303032]  0000000000000000 ffffffff819fc4b8 ffff88003da13ca8 ffffffff816c136e
[   48.303032]  ffff880000000010 ffff88003da13cb8 ffff88003da13c58 00000000e6804e19
[   48.303032] Call Trace:
[   48.303032]  [<ffffffff816c584a>] dump_stack+0x45/0x57
[   48.303032]  [<ffffffff816c136e>] panic+0xd0/0x204`,
  },
  {
    // An unhandled breakpoint on 32-bit x86 (`EIP:`), behind syslog's `<4>` level prefix.
    source: 'LKFT on linux-next 20230406, i386 under QEMU, LTP pids tests ("int3: 0000 [#1] PREEMPT SMP")',
    kind: 'oops',
    title: 'int3 in get_page_from_freelist',
    log: `<4>[  782.594441] int3: 0000 [#1] PREEMPT SMP
<4>[  782.594783] CPU: 1 PID: 2724 Comm: pids.sh Not tainted 6.3.0-rc5-next-20230406 #1
<4>[  782.594915] Hardware name: QEMU Standard PC (Q35 + ICH9, 2009), BIOS 1.14.0-2 04/01/2014
<4>[  782.595168] EIP: get_page_from_freelist+0x157/0xccc
<4>[  782.595745] Code: 48 04 8d 43 08 85 c9 0f 85 fe 07 00 00 3b 73 0c 0f 82 f5 07 00 00 89 45 c8 8b 45 c8 8b 00 89 45 e0 85 c0 0f 84 fc 07 00 00 3e <8d> 74 26 00 8b 45 cc 80 78 14 00 0f 84 90 05 00 00 8b 45 e0 8b 58
<4>[  782.595850] EAX: 00000000 EBX: c7ab5ce4 ECX: 00000800 EDX: 00000000
<4>[  782.595889] ESI: 00400dc0 EDI: 00000000 EBP: c7ab5c78 ESP: c7ab5c04
<4>[  782.595928] DS: 007b ES: 007b FS: 00d8 GS: 0033 SS: 0068 EFLAGS: 00000297
<4>[  782.596017] CR0: 80050033 CR2: 086d1d54 CR3: 06eaa000 CR4: 000006d0
<4>[  782.596188] Call Trace:
<4>[  782.596503]  ? exc_int3+0x10/0x130
<4>[  782.596630]  ? __irq_exit_rcu+0x15/0xcc
<4>[  782.596655]  ? sysvec_call_function+0x3c/0x3c`,
  },
  {
    // x86_64, 6.6: text patching raced a softirq; the RIP names the function.
    source: 'a syzkaller run on 6.6 ("text_poke_bp_batch ... INT3", the key lines of the log)',
    kind: 'oops',
    title: 'int3 in update_rt_rq_load_avg',
    log: `[ 2102.293808] int3: 0000 [#1] SMP NOPTI
[ 2102.294141] RIP: 0010:update_rt_rq_load_avg+0x1/0x340
[ 2102.294141] RSP: 0018:ff580133800e0ef0
[ 2102.294141] Call Trace:
[ 2102.294141]  <IRQ>
[ 2102.294141]  update_blocked_averages+0xb7/0xe90
[ 2102.294141]  run_rebalance_domains+0x45/0x60
[ 2102.294141]  handle_softirqs+0xe2/0x2a0
[ 2102.294141]  irq_exit_rcu+0x9c/0xc0
[ 2102.294141]  sysvec_apic_timer_interrupt+0x6e/0x90
[ 2102.294141]  </IRQ>`,
  },
];

describe('report variants from mailing lists titled as syzbot titles them', () => {
  it.each(EXCERPTS.map((e) => [e.title, e] as const))('%s', (_title, e) => {
    const crashes = parseLog(Buffer.from(`${e.log}\n`)).crashes;
    expect(
      crashes.map((c) => c.title),
      e.source,
    ).toEqual([e.title]);
    expect(crashes[0].kind).toBe(e.kind);
  });
});
