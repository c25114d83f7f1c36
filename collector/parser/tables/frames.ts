/**
 * Which call-trace frames name a crash, after the rules of syzkaller's pkg/report: frames
 * that belong to reporting, locking, string, list, refcount and allocation helpers or to
 * core entry points are skipped, so the title names the first function of the report that
 * a kernel developer would call the culprit.
 *
 * Patterns match a frame's base name (compiler suffixes such as `.isra.0` removed) as a
 * substring; `^` and `$` anchor them. To teach bootwatch a new helper, add a line.
 */

/** Frames never used in a title. */
export const SKIP_FRAMES: readonly string[] = [
  // Sanitizers, reporting and trap handling.
  '__sanitizer',
  '__asan',
  'kasan',
  '__msan',
  'kmsan',
  'kcsan',
  'ubsan',
  'check_memory_region',
  'read_word_at_a_time',
  'print_address_description',
  'print_report',
  'instrument_',
  'panic',
  'invalid_op',
  'report_bug',
  'fixup_bug',
  'handle_bug',
  'do_error',
  '_trap',
  'dump_stack',
  'show_stack',
  'warn_slowpath',
  'warn_alloc',
  '__warn',
  'debug_object',
  'timer_is_static_object',
  'work_is_static_object',
  'perf_trace',
  // Page-fault and oops plumbing.
  'exc_page_fault',
  'asm_exc_',
  'page_fault_oops',
  'kernelmode_fixup_or_oops',
  'bad_area',
  'do_user_addr_fault',
  'handle_page_fault',
  'no_context',
  '^die$',
  'oops_end',
  // arm64 and riscv64 fault, BRK and unwinder plumbing.
  'die_kernel_fault',
  'do_(?:kernel|translation)_fault',
  'do_mem_abort',
  'el1_abort',
  'el1h_64_sync',
  'el1_dbg',
  'do_debug_exception',
  'brk_handler',
  'call_break_hook',
  'bug_handler',
  'dump_backtrace',
  '^walk_stackframe',
  'arch_stack_walk',
  'stack_trace_save',
  '__schedule_bug',
  'preempt_count',
  // Lockdep and the lock primitives themselves (lockdep's own __lock_acquire is a culprit
  // when it faults, so only the wrappers are anchored).
  'lockdep',
  '^lock_acquire',
  '^lock_release',
  'lock_class',
  'reacquire_held_locks',
  'spin_lock',
  'spin_trylock',
  'spin_unlock',
  'raw_read_lock',
  'raw_read_trylock',
  'raw_write_lock',
  'raw_write_trylock',
  '^down$',
  'down_read',
  'down_write',
  'up_read',
  'up_write',
  'mutex_lock',
  'mutex_trylock',
  'mutex_unlock',
  'mutex_remove_waiter',
  'osq_lock',
  'osq_unlock',
  '__might_sleep',
  '__might_resched',
  '__might_fault',
  'might_fault',
  'might_sleep',
  '__wake_up',
  'finish_wait',
  '^complete$',
  'wait_for_completion',
  // Refcount and atomic helpers, instrumented bit operations.
  'refcount_add',
  'refcount_sub',
  'refcount_inc',
  'refcount_dec',
  'refcount_set',
  'refcount_read',
  'refcount_warn_saturate',
  '^atomic_',
  '^atomic64_',
  '^arch_atomic',
  '^(?:__)?(?:test_and_)?(?:set|clear|change)_bit',
  // String and memory routines.
  'memcpy',
  'memcmp',
  'memset',
  'memchr',
  'memmove',
  'strcmp',
  'strncmp',
  'strcpy',
  'strlcpy',
  'strncpy',
  'strscpy',
  'strlen',
  'strnstr',
  'strnlen',
  'strchr',
  'copy_to_user',
  'copy_from_user',
  'put_user',
  'get_user',
  'string',
  'pointer',
  'snprintf',
  'scnprintf',
  'kasprintf',
  'kvasprintf',
  'printk',
  'va_format',
  'dev_info',
  'dev_notice',
  'dev_warn',
  'dev_err',
  'dev_alert',
  'dev_crit',
  'dev_emerg',
  // CONFIG_DEBUG_LIST checks and list helpers: the caller corrupted the list.
  'list_add',
  'list_del',
  'list_replace',
  'list_move',
  'list_splice',
  '_indirect_thunk_',
  // The allocator: the caller asked for or freed the memory.
  'kfree',
  'kmalloc',
  'kzalloc',
  'kcalloc',
  'kmem_cache',
  'slab_',
  // The page cache's read helper: the caller's read (or its filler) is the culprit.
  '^do_read_cache_(?:folio|page)$',
  // Teardown helpers that wait for someone else's work.
  'del_timer',
  'flush_work',
  '__cancel_work_timer',
  'cancel_work_sync',
  'try_to_grab_pending',
  'flush_workqueue',
  'drain_workqueue',
  'destroy_workqueue',
  'kthread_stop',
  'kobject_del',
  'kobject_put',
  'kobject_uevent_env',
  'add_uevent_var',
  'get_device_parent',
  'device_add',
  'device_del',
  'device_unregister',
  'device_destroy',
  'device_release',
  'devres_release_all',
  'hwrng_unregister',
  'i2c_del_adapter',
  '__unregister_client',
  'device_for_each_child',
  'rollback_registered',
  'unregister_netdev',
  'sysfs_remove',
  'device_remove_file',
  'tty_unregister_device',
  // USB core entry points: the driver that submitted is the culprit.
  'dummy_urb_enqueue',
  'usb_kill_urb',
  'usb_kill_anchored_urbs',
  'usb_control_msg',
  'usb_hcd_submit_urb',
  'usb_submit_urb',
  // powerpc trap entry.
  'program_check_exception',
  'program_check_common',
];

/** Frames where dispatching begins: for stalls, the frame just above names the loop. */
export const STALL_ANCHOR_FRAMES: readonly RegExp[] = [
  // Generic dispatchers (and some of their callers, should names change).
  /process_one_work/,
  /do_syscall_/,
  /do_fast_syscall_/,
  /sysenter_dispatch/,
  /tracesys_phase2/,
  /netif_receive_skb/,
  /do_softirq/,
  /call_timer_fn/,
  /_run_timers/,
  /run_timer_softirq/,
  /run_ksoftirqd/,
  /smpboot_thread_fn/,
  /kthread/,
  /start_secondary/,
  /cpu_startup_entry/,
  /ret_from_fork/,
  // Discriminating file operations: the frame above names the device or file system.
  /vfs_write/,
  /vfs_read/,
  /vfs_iter_read/,
  /vfs_iter_write/,
  /do_iter_read/,
  /do_iter_write/,
  /vfs_ioctl/,
  /ksys_ioctl/,
  /compat_ioctl/,
  /compat_sys_ioctl/,
  /blkdev_driver_ioctl/,
  /blkdev_ioctl/,
  /^call_read_iter/,
  /^call_write_iter/,
  /do_iter_readv_writev/,
  /^call_mmap/,
  /mmap_region/,
  /do_mmap/,
  /do_dentry_open/,
  /vfs_open/,
  // Socket operations: the frame above names the protocol.
  /^sock_sendmsg/,
  /^sock_recvmsg/,
  /^sock_release/,
  /^__sock_release/,
  /__sys_setsockopt/,
  /kernel_setsockopt/,
  /sock_common_setsockopt/,
  /__sys_listen/,
  /kernel_listen/,
  /sk_common_release/,
  /^sock_mmap/,
  /__sys_accept/,
  /kernel_accept/,
  /^sock_do_ioctl/,
  /^sock_ioctl/,
  /^compat_sock_ioctl/,
  /^nfnetlink_rcv_msg/,
  /^rtnetlink_rcv_msg/,
  /^(?:compat_)?(?:SYSC|SyS|__sys|___sys|__do_sys|__se_sys|__x64_sys)_(?:socketpair|connect|ioctl)/,
  // (Page-fault entry points are not anchors: a stall inside a fault taken by a syscall
  // belongs to the syscall.)
  // Work run on the way back to user space.
  /__fput/,
  /task_work_run/,
  /exit_to_usermode/,
  /smp_call_function/,
];

/** A stall looping in cross-CPU calls is one issue whichever variant it loops in. */
export const STALL_SAME_ISSUE: readonly (readonly [RegExp, string])[] = [
  [/smp_call_function/, 'smp_call_function'],
];

/**
 * Prefixes removed from a stall's frame so that architectures agree: `__x64_sys_recvmmsg`
 * is `sys_recvmmsg`, old `SyS_recvmmsg` / `SYSC_recvmmsg` are `recvmmsg` (as syzbot has them).
 */
export const SYSCALL_PREFIXES: readonly string[] = [
  '__x64_',
  '__arm64_',
  '__riscv_',
  '__ia32_sys_',
  'compat_SYSC_',
  'compat_SyS_',
  'SYSC_',
  'SyS_',
];

/**
 * Hung tasks show a victim waiting, not the culprit: hangs in these frames are grouped
 * under one name (syzkaller's buckets), whatever waits in them.
 */
export const HUNG_TASK_BUCKETS: readonly (readonly [string, string])[] = [
  ['rtnl_lock', 'rtnl_lock'],
  ['synchronize_rcu', 'synchronize_rcu'],
  ['synchronize_srcu', 'synchronize_rcu'],
  ['synchronize_net', 'synchronize_rcu'],
  ['synchronize_sched', 'synchronize_rcu'],
];

/** Frames a hung task waits in; the first frame past them is named. */
export const HUNG_TASK_SKIP: readonly string[] = [
  'sched',
  '_lock',
  '_slowlock',
  'down',
  'rwsem',
  'completion',
  'kthread',
  'wait',
  'synchronize',
  'context_switch',
  '__switch_to',
  'cancel_delayed_work',
];

/**
 * Source files never named as the guilty file: headers, generic libraries, the allocator,
 * sanitizers, locking, scheduling and core dispatch code (syzkaller's guilty-file rules).
 */
export const GUILTY_FILE_IGNORES: readonly RegExp[] = [
  /\.h$/,
  /^lib\//,
  /^virt\/lib\//,
  /^mm\/kasan\//,
  /^mm\/kmsan\//,
  /^mm\/kfence\//,
  /^kernel\/kcsan\//,
  /^kernel\/kcov\.c/,
  /^mm\/sl.b\.c/,
  /^mm\/memory\.c/,
  /^mm\/percpu/,
  /^mm\/vmalloc\.c/,
  /^mm\/page_alloc\.c/,
  /^mm\/util\.c/,
  /^kernel\/rcu\//,
  /^arch\/[^/]+\/kernel\/traps\.c/,
  /^arch\/[^/]+\/mm\/fault\.c/,
  /^arch\/[^/]+\/mm\/physaddr\.c/,
  /^kernel\/locking\//,
  /^kernel\/panic\.c/,
  /^kernel\/printk\/printk.*\.c/,
  /^kernel\/softirq\.c/,
  /^kernel\/kthread\.c/,
  /^kernel\/sched\/.*\.c/,
  /^kernel\/time\/timer\.c/,
  /^kernel\/workqueue\.c/,
  /^net\/core\/dev\.c/,
  /^net\/core\/sock\.c/,
  /^net\/core\/skbuff\.c/,
  /^fs\/proc\/generic\.c/,
];

/** Removes compiler suffixes: `foo.isra.0` and `foo.cold` both group as `foo`. */
export function baseFunctionName(fn: string): string {
  const dot = fn.indexOf('.');
  return dot > 0 ? fn.slice(0, dot) : fn;
}

/** One regular expression for a skip list: patterns are substrings unless anchored. */
export function skipMatcher(patterns: readonly string[]): RegExp {
  return new RegExp(
    patterns.map((p) => (/[\^$()?|]/.test(p) ? p : p.replace(/[.*+[\]{}\\]/g, '\\$&'))).join('|'),
  );
}
