/**
 * Report classes of syzkaller's table that bootwatch titled generically or missed, each as
 * the kernel prints it (the format strings of kernel/workqueue.c, kernel/locking/lockdep.c,
 * mm/vmalloc.c, kernel/sched/core.c, arch/arm64/kernel/traps.c, mm/slub.c, net/core/dev.c,
 * fs/dcache.c and mm/kfence/report.c), with the title syzbot gives it.
 */
import { describe, expect, it } from 'vitest';
import { parseLog } from '../../../collector/parser/index.ts';
import { stamped } from '../../helpers/stamped.ts';

const crashesOf = (log: string) => parseLog(stamped(log)).crashes;

describe('report classes named as syzbot names them', () => {
  it('a workqueue item that returned holding a lock: by its `last function:`', () => {
    const [c] = crashesOf(`
BUG: workqueue leaked lock or atomic: kworker/u4:2/0x00000000/46
     last function: nsim_dev_trap_report_work
1 lock held by kworker/u4:2/46:
 #0: ffff88801e3f2a30 (&nsim_dev->port_list_lock){+.+.}-{3:3}, at: nsim_dev_trap_report_work+0x4b/0x8e0
CPU: 0 PID: 46 Comm: kworker/u4:2 Not tainted 6.1.0 #1
Hardware name: QEMU Standard PC (i440FX + PIIX, 1996), BIOS 1.16.2-debian-1.16.2-1 04/01/2014
Workqueue: events nsim_dev_trap_report_work
Call Trace:
 <TASK>
 dump_stack_lvl+0x34/0x48
 process_one_work+0x5d1/0x9d0
 worker_thread+0x4c/0x400
 kthread+0xe6/0x110
 ret_from_fork+0x1f/0x30
 </TASK>`);
    expect(c).toMatchObject({
      kind: 'bug',
      title: 'BUG: workqueue leaked lock or atomic in nsim_dev_trap_report_work',
      line: 1,
      endLine: 15,
    });
    expect(c.corrupted).toBeUndefined();
  });

  it("arm64's `[ BUG: Invalid wait context ]` is x86's locking WARNING", () => {
    const [c] = crashesOf(`
=============================
[ BUG: Invalid wait context ]
6.1.0 #1 Not tainted
-----------------------------
swapper/0/1 is trying to lock:
ffff0000c0a1b0d8 (&port_lock_key){....}-{3:3}, at: pl011_console_write+0x140/0x2a0
other info that might help us debug this:
context-{2:2}
1 lock held by swapper/0/1:
 #0: ffff80000a2b1e40 (console_owner){....}-{0:0}, at: console_emit_next_record+0x1b4/0x370
stack backtrace:
CPU: 0 PID: 1 Comm: swapper/0 Not tainted 6.1.0 #1
Hardware name: linux,dummy-virt (DT)
Call trace:
 dump_backtrace+0xe4/0x140
 show_stack+0x20/0x30
 dump_stack_lvl+0x64/0x80
 dump_stack+0x18/0x34
 __lock_acquire+0x16c4/0x1e40
 lock_acquire+0x1e0/0x2f0
 _raw_spin_lock+0x54/0x70
 pl011_console_write+0x140/0x2a0
 console_emit_next_record+0x1e4/0x370
 console_unlock+0xe8/0x200`);
    expect(c).toMatchObject({
      kind: 'lockdep',
      title: 'WARNING: locking bug in pl011_console_write',
      line: 2,
    });
  });

  it('lockdep `Nested lock was not taken`: the caller past the lock primitives', () => {
    const [c] = crashesOf(`
==================================
WARNING: Nested lock was not taken
6.1.0 #1 Not tainted
----------------------------------
syz-executor/3612 is trying to lock:
ffff88807a2b8e18 (&ei->i_data_sem){++++}-{3:3}, at: ext4_map_blocks+0x2cb/0x1900
but this task is not holding:
&sbi->s_writepages_rwsem
stack backtrace:
CPU: 1 PID: 3612 Comm: syz-executor Not tainted 6.1.0 #1
Hardware name: QEMU Standard PC (i440FX + PIIX, 1996), BIOS 1.16.2-debian-1.16.2-1 04/01/2014
Call Trace:
 <TASK>
 dump_stack_lvl+0x34/0x48
 __lock_acquire+0x1d47/0x1e60
 lock_acquire+0xd2/0x2e0
 down_read+0x3d/0x180
 ext4_map_blocks+0x2cb/0x1900
 ext4_getblk+0x11c/0x5c0
 ext4_bread+0x2a/0x170
 </TASK>`);
    expect(c).toMatchObject({
      kind: 'lockdep',
      title: 'WARNING: nested lock was not taken in ext4_map_blocks',
    });
  });

  it('a zero-size vmalloc WARN: by the caller past the allocator', () => {
    const [c] = crashesOf(`
------------[ cut here ]------------
WARNING: CPU: 0 PID: 5021 at mm/vmalloc.c:3203 __vmalloc_node_range+0x7b2/0x8a0
Modules linked in:
CPU: 0 PID: 5021 Comm: syz-executor Not tainted 6.1.0 #1
RIP: 0010:__vmalloc_node_range+0x7b2/0x8a0
RSP: 0018:ffffc90003d2fb70 EFLAGS: 00010293
Call Trace:
 <TASK>
 __vmalloc_node+0x6f/0x90
 bpf_map_area_alloc+0x7e/0xa0
 htab_map_alloc+0x4b4/0x8f0
 map_create+0x3a1/0x8c0
 __sys_bpf+0x4b5/0x2bb0
 __x64_sys_bpf+0x1a/0x20
 do_syscall_64+0x35/0x80
 entry_SYSCALL_64_after_hwframe+0x63/0xcd
 </TASK>
---[ end trace 0000000000000000 ]---`);
    expect(c).toMatchObject({
      kind: 'warning',
      title: 'WARNING: zero-size vmalloc in bpf_map_area_alloc',
      location: 'mm/vmalloc.c:3203',
    });
  });

  it("the scheduler's `corrupted stack end` panic: named like a stall, above the dispatcher", () => {
    const [c] = crashesOf(`
Kernel panic - not syncing: corrupted stack end detected inside scheduler
CPU: 0 PID: 15 Comm: rcu_preempt Not tainted 6.1.0 #1
Hardware name: QEMU Standard PC (i440FX + PIIX, 1996), BIOS 1.16.2-debian-1.16.2-1 04/01/2014
Call Trace:
 <TASK>
 dump_stack_lvl+0x34/0x48
 panic+0x105/0x2a0
 __schedule+0xb43/0xb60
 schedule+0x5d/0xe0
 schedule_timeout+0x8b/0x150
 rcu_gp_fqs_loop+0x12c/0x4c0
 rcu_gp_kthread+0xd4/0x170
 kthread+0xe6/0x110
 ret_from_fork+0x1f/0x30
 </TASK>
Kernel Offset: disabled
---[ end Kernel panic - not syncing: corrupted stack end detected inside scheduler ]---`);
    expect(c).toMatchObject({ kind: 'panic', title: 'kernel panic: corrupted stack end in rcu_gp_kthread' });
  });

  it("arm64's `kernel stack overflow` panic: the loop's caller above the syscall", () => {
    const crashes = crashesOf(`
Insufficient stack space to handle exception!
ESR: 0x0000000096000047 -- DABT (current EL)
FAR: 0xffff80000a4e7ff0
Task stack:     [0xffff80000a4e8000..0xffff80000a4ec000]
Kernel panic - not syncing: kernel stack overflow
CPU: 0 PID: 112 Comm: sh Not tainted 6.1.0 #1
Hardware name: linux,dummy-virt (DT)
Call trace:
 dump_backtrace+0xe4/0x140
 show_stack+0x20/0x30
 dump_stack_lvl+0x64/0x80
 dump_stack+0x18/0x34
 panic+0x16c/0x364
 nmi_panic+0x8c/0x90
 panic_bad_stack+0x104/0x124
 handle_bad_stack+0x34/0x40
 __bad_stack+0x78/0x7c
 recursive_loop+0x8/0x60
 recursive_loop+0x38/0x60
 recursive_loop+0x38/0x60
 lkdtm_EXHAUST_STACK+0x20/0x30
 lkdtm_do_action+0x2c/0x50
 direct_entry+0x164/0x180
 full_proxy_write+0x68/0xc0
 vfs_write+0xd0/0x2a0
 ksys_write+0x74/0x110
 __arm64_sys_write+0x24/0x30
 invoke_syscall+0x50/0x120
 el0_svc_common.constprop.0+0x68/0x124
 do_el0_svc+0x34/0xc0
 el0_svc+0x30/0x90`);
    expect(crashes.map((c) => c.title)).toEqual(['kernel stack overflow in full_proxy_write']);
  });

  it("SLUB's double free, unregister_netdevice's wait, a dentry busy at unmount", () => {
    const titles = crashesOf(`
=============================================================================
BUG kmalloc-64 (Not tainted): Object already free
-----------------------------------------------------------------------------

Allocated in test_double_free+0x27/0x90 age=3 cpu=0 pid=1
unregister_netdevice: waiting for lo to become free. Usage count = 2
BUG: Dentry 00000000a3e2f2c1{i=1,n=/}  still in use (1) [unmount of tmpfs tmpfs]`).map((c) => c.title);
    expect(titles).toEqual([
      'BUG: Object already free',
      'unregister_netdevice: waiting for DEV to become free',
      'BUG: Dentry still in use in unmount',
    ]);
  });

  it('KFENCE `invalid read` keeps its direction', () => {
    const [c] = crashesOf(`
==================================================================
BUG: KFENCE: invalid read in test_invalid_access+0x26/0x108

Invalid read at 0xffffffffb670b00a:
 test_invalid_access+0x26/0x108
 kunit_try_run_case+0x51/0x85
 kunit_generic_run_threadfn_adapter+0x16/0x30
 kthread+0x137/0x160
 ret_from_fork+0x22/0x30

CPU: 4 PID: 124 Comm: kunit_try_catch Tainted: G        W         6.1.0 #1
==================================================================`);
    expect(c).toMatchObject({ kind: 'kfence', title: 'KFENCE: invalid read in test_invalid_access' });
    expect(c.corrupted).toBeUndefined();
  });
});
