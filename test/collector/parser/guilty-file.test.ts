/**
 * The guilty source file (what syzbot routes a report to maintainers by), on symbolized
 * reports as syzbot prints them (`f+0x../0x.. file.c:line`): core and library files are
 * passed over, a deeper file under the first one's directory is preferred, an RCU stall is
 * read from the code its timer interrupt interrupted, and lockdep's irq-state lines are not
 * the culprit.
 */
import { describe, expect, it } from 'vitest';
import { parseLog } from '../../../collector/parser/index.ts';

const stamped = (lines: string) =>
  Buffer.from(
    lines
      .trim()
      .split('\n')
      .map((l, i) => `[${(220 + i * 0.000211).toFixed(6).padStart(12)}][ T5163] ${l}`)
      .join('\n'),
  );
const fileOf = (log: string) => parseLog(stamped(log)).crashes[0]?.file;

describe('guilty file', () => {
  it('prefers a deeper file below the first guilty one: net/ipv4/netfilter/ over net/ipv4/', () => {
    expect(
      fileOf(`
==================================================================
BUG: KASAN: slab-use-after-free in ip_route_me_harder+0x1123/0x1250 net/ipv4/netfilter.c:53
Read of size 8 at addr ffff88807b9c8aa0 by task syz-executor.2/5163

CPU: 1 PID: 5163 Comm: syz-executor.2 Not tainted 6.6.0-syzkaller #0
Call Trace:
 <TASK>
 __dump_stack lib/dump_stack.c:88 [inline]
 dump_stack_lvl+0xd9/0x1b0 lib/dump_stack.c:106
 print_report+0xc4/0x620 mm/kasan/report.c:475
 kasan_report+0xda/0x110 mm/kasan/report.c:588
 ip_route_me_harder+0x1123/0x1250 net/ipv4/netfilter.c:53
 nf_send_reset+0x8d1/0x1240 net/ipv4/netfilter/nf_reject_ipv4.c:270
 reject_tg+0x1a9/0x300 net/ipv4/netfilter/ipt_REJECT.c:84
 ipt_do_table+0xd8e/0x1a70 net/ipv4/netfilter/ip_tables.c:345
 nf_hook_entry_hookfn include/linux/netfilter.h:144 [inline]
 nf_hook_slow+0xc5/0x1f0 net/netfilter/core.c:626
 </TASK>
==================================================================`),
    ).toBe('net/ipv4/netfilter/nf_reject_ipv4.c');
  });

  it("reads an RCU stall from the interrupted code, past the stall's own reporting", () => {
    expect(
      fileOf(`
rcu: INFO: rcu_preempt self-detected stall on CPU
rcu: 	0-....: (10499 ticks this GP) idle=4c4c/1/0x4000000000000000 softirq=21373/21373 fqs=5241
	(t=10500 jiffies g=29233 q=1337 ncpus=2)
CPU: 0 PID: 5163 Comm: syz-executor.2 Not tainted 6.6.0-syzkaller #0
RIP: 0010:hash_net4_test+0x1b4/0x520 net/netfilter/ipset/ip_set_hash_gen.h:1195
Call Trace:
 <IRQ>
 rcu_dump_cpu_stacks+0x1e4/0x350 kernel/rcu/tree_stall.h:372
 print_cpu_stall kernel/rcu/tree_stall.h:689 [inline]
 rcu_sched_clock_irq+0x1c39/0x29a0 kernel/rcu/tree.c:2245
 update_process_times+0x19a/0x220 kernel/time/timer.c:2071
 tick_sched_timer+0x4b6/0x630 kernel/time/tick-sched.c:1539
 __hrtimer_run_queues+0x5ab/0xa90 kernel/time/hrtimer.c:1753
 hrtimer_interrupt+0x392/0x980 kernel/time/hrtimer.c:1815
 __sysvec_apic_timer_interrupt+0x10f/0x400 arch/x86/kernel/apic/apic.c:1082
 sysvec_apic_timer_interrupt+0x8e/0xc0 arch/x86/kernel/apic/apic.c:1076
 </IRQ>
 <TASK>
 asm_sysvec_apic_timer_interrupt+0x1a/0x20 arch/x86/include/asm/idtentry.h:645
RIP: 0010:hash_net4_test+0x1b4/0x520 net/netfilter/ipset/ip_set_hash_gen.h:1195
 ip_set_test+0x18a/0x6a0 net/netfilter/ipset/ip_set_core.c:780
 set_match_v4+0x1f4/0x2d0 net/netfilter/xt_set.c:72
 ipt_do_table+0xd8e/0x1a70 net/ipv4/netfilter/ip_tables.c:345
 </TASK>`),
    ).toBe('net/netfilter/ipset/ip_set_core.c');
  });

  it("passes over lockdep's irq-state lines", () => {
    expect(
      fileOf(`
================================
WARNING: inconsistent lock state
6.6.0-syzkaller #0 Not tainted
--------------------------------
inconsistent {SOFTIRQ-ON-W} -> {IN-SOFTIRQ-W} usage.
syz-executor.2/5163 [HC0[0]:SC1[1]:HE1:SE0] takes:
ffff88807b9c8aa0 (&sk->sk_lock.slock){+.?.}-{2:2}, at: spin_lock include/linux/spinlock.h:351 [inline]
{SOFTIRQ-ON-W} state was registered at:
  lock_acquire+0x1ae/0x520 kernel/locking/lockdep.c:5753
  __raw_spin_lock include/linux/spinlock_api_smp.h:133 [inline]
irq event stamp: 156
hardirqs last  enabled at (156): [<ffffffff8a89f1f5>] __raw_spin_unlock_irqrestore+0x45/0x70 fs/proc/stat.c:151
hardirqs last disabled at (155): [<ffffffff8a89ef3c>] __raw_spin_lock_irqsave+0x4c/0x60 fs/proc/stat.c:108
softirqs last  enabled at (0): [<ffffffff814c7bd4>] copy_process+0x1e04/0x73d0 kernel/fork.c:2366
softirqs last disabled at (0): [<0000000000000000>] 0x0
stack backtrace:
CPU: 1 PID: 5163 Comm: syz-executor.2 Not tainted 6.6.0-syzkaller #0
Call Trace:
 <IRQ>
 __dump_stack lib/dump_stack.c:88 [inline]
 dump_stack_lvl+0x125/0x1b0 lib/dump_stack.c:106
 mark_lock+0x59/0x8a0 kernel/locking/lockdep.c:4677
 l2tp_xmit_skb+0x4c/0x100 net/l2tp/l2tp_core.c:1144
 </IRQ>`),
    ).toBe('net/l2tp/l2tp_core.c');
  });
});
