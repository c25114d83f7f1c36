/**
 * Crash report formats as data, in the manner of syzkaller's pkg/report: each row is a
 * header the kernel prints, the kind of crash it starts and how its one-line title is made.
 * To teach bootwatch a new format, add a row (and a real log to test/fixtures).
 *
 * Title templates: `{1}`, `{2}` are the header's capture groups (addresses already
 * removed), `{fn}` the function the row's `fn` rule finds, `{loc}` the file:line, `{src}`
 * the first source file the report's body names.
 */
import type { CrashKind } from '../../../common/types/parse.ts';

/** Where the title's function comes from. */
export type FunctionSource =
  /** The faulting instruction (RIP/EIP/pc, then lr/ra), else the stack printed after it. */
  | 'rip'
  /** A WARN(): the RIP and the stack after it (never the header: syzkaller names a WARN by its stack). */
  | 'warning'
  /** The header's `FUNC+0x..` (group `fnGroup`), unless it is a helper; then the stack. */
  | 'header_stack'
  /** The header's `FUNC+0x..` as printed (group `fnGroup`). */
  | 'header'
  /** The first meaningful frame of the call trace. */
  | 'stack'
  /** Lockdep: the functions on its `at: FUNC+0x..` lines, then the stack. */
  | 'lock_at'
  /** Stalls and soft lockups: the frame above the dispatching frame (syzkaller's rule). */
  | 'stall'
  /** Hung tasks: a known bucket (rtnl_lock, synchronize_rcu), else the first frame not waiting. */
  | 'hung'
  /** The function a workqueue report names on its `last function:` line. */
  | 'last_function'
  /** A workqueue lockup: the work function of the first busy worker shown (`Workqueue: wq FUNC`). */
  | 'work_function'
  /** Bad page state: the first meaningful frame of page_owner's `page last allocated` stack. */
  | 'page_owner'
  /** Lockdep's irq-safe -> irq-unsafe order: the first frame under `... which became X at:`. */
  | 'became'
  | 'none';

export interface CrashFormat {
  kind: CrashKind;
  header: RegExp;
  /** Template used when a function was found (`corrupted` stands in when the stack has none). */
  title: string;
  /**
   * Template used when no function was found; the report is not marked corrupted for it (default,
   * as syzkaller: `{fn}` is `corrupted`, and so is the report).
   */
  fallback?: string;
  /**
   * syzkaller's next, generic format: the title when the report printed nothing the rule
   * reads (`access`: no `Read of size N` line; `function`: no function found; `src`: no
   * `file.c:123`). Corrupted.
   */
  bare?: { when: 'access' | 'function' | 'src' | 'next'; title: string };
  fn: FunctionSource;
  fnGroup?: number;
  /** Capture group holding `file:line`. */
  locGroup?: number;
  /** Extra frame patterns to skip for this format (substrings; `^`/`$` anchor). */
  skip?: string[];
  /** `lock_at`: how many of lockdep's `at:` lines name the culprit before the stack (default 2). */
  atLines?: number;
  /** `lock_at`: an `at:` function matching these names no culprit: the stack does. */
  atSkip?: string[];
  /** Skip only `skip`, not the common helper list (old kmemleak titles name the allocator). */
  skipOnly?: boolean;
  /** The report runs until a `====` line (KASAN, KFENCE, UBSAN, lockdep until its trace). */
  bracket?: 'equals' | 'free';
  /** The report ends the boot. */
  fatal?: boolean;
  /**
   * Never starts a report inside another one (it is that report's continuation);
   * `before-stack`: only while the open report has printed no stack yet.
   */
  continues?: boolean | 'before-stack';
  /**
   * The report is whole without a stack (syzkaller's noStackTrace); a RegExp: only when it
   * matches the header. Any other report with no stack is marked corrupted, like syzbot does.
   */
  noStack?: true | RegExp;
  /** The header alone means the report before it was lost (`Fatal exception`): corrupted. */
  cut?: true;
  /** Headers that continue this report, before its stack, rather than start their own (what it calls next). */
  absorbs?: RegExp;
}

const FUNC = '([A-Za-z0-9_.$]+)\\+0x[0-9a-f]+/0x[0-9a-f]+';
/** `file.c:123` as the kernel prints it in WARN and BUG headers. */
const SRC = '(\\S+?\\.[a-zA-Z]+:\\d+)';
/** The WARN() header of any kernel: `WARNING: CPU: 1 PID: 7 at FILE FUNC`, `WARNING: FILE at FUNC, CPU#1`, `WARNING: at FILE FUNC()`. */
const WARN_AT = `^WARNING: (?:CPU: \\d+ PID: -?\\d+ at ${SRC}|${SRC} at|at ${SRC})`;
/**
 * A WARN() in a checker: `WARNING: ... lib/refcount.c:25 ... refcount_warn_saturate`. Newer
 * kernels print `WARNING: lib/refcount.c:19 at 0x0, CPU#1: ...` without the function: a file
 * that holds nothing but the checker (`fileAlone`) is enough then.
 */
function warnIn(file: string, fn: string, fileAlone = false): RegExp {
  const at = fileAlone ? `(?:.* ${fn}| at 0x0,)` : `.* ${fn}`;
  return new RegExp(`^WARNING: .*?(${file}:\\d+)${at}`);
}
const LOCKDEP_DEADLOCK =
  '(?:possible circular locking dependency|possible recursive locking|possible irq lock inversion dependency|(?:SOFT|HARD)IRQ-safe -> (?:SOFT|HARD)IRQ-unsafe lock order) detected';
const RCU_SKIP = ['rcu', 'kmem', 'slab', 'kmalloc', 'vmalloc', 'kcalloc', 'kzalloc'];
/**
 * KMSAN meets uninitialised bytes where generic code finally reads them: the crypto library's
 * primitives and entry points, skb allocation, netlink's ack path name no bug (syzkaller's list).
 */
const KMSAN_SKIP = [
  '_encrypt$',
  '^(?:crypto|cipher|drbg|rng)_',
  'alloc_skb',
  'netlink_ack',
  'netlink_rcv_skb',
];
/** UBSAN's reporting and its overflow handlers (`__ubsan_handle_add_overflow`, `handle_overflow`). */
const UBSAN_SKIP = ['ubsan', 'overflow'];
const USB_SUBMIT = [
  'usb_submit_urb',
  'usb_start_wait_urb',
  'usb_bulk_msg',
  'usb_interrupt_msg',
  'usb_control_msg',
];

export const CRASH_FORMATS: readonly CrashFormat[] = [
  // Panics: the boot is over.
  // Older kernels print the canary's return address as a number: the stack names the function.
  {
    kind: 'panic',
    header: /^Kernel panic - not syncing: stack-protector: Kernel stack is corrupted in: [0-9a-f]+\s*$/,
    title: 'kernel panic: stack is corrupted in {fn}',
    fn: 'stack',
    skip: ['stack_chk'],
    fatal: true,
  },
  {
    kind: 'panic',
    header: /^Kernel panic - not syncing: stack-protector: Kernel stack is corrupted in: ([A-Za-z0-9_.$]+)/,
    title: 'kernel panic: stack is corrupted in {fn}',
    fn: 'header',
    fnGroup: 1,
    fatal: true,
    noStack: true,
  },
  {
    kind: 'panic',
    header: /^Kernel panic - not syncing: (Attempted to kill init!)/,
    title: 'kernel panic: {1}',
    fn: 'none',
    fatal: true,
  },
  // Panics that follow a report: syzkaller titles them without their variable tail.
  {
    kind: 'panic',
    header:
      /^Kernel panic - not syncing: (?:\w+: )?(Fatal exception|panic_on_warn set|hung_task: blocked tasks)/,
    title: 'kernel panic: {1}',
    fn: 'none',
    fatal: true,
    cut: true,
  },
  {
    kind: 'panic',
    header: /^Kernel panic - not syncing: (Couldn't open N_TTY ldisc)/,
    title: 'kernel panic: {1}',
    fn: 'none',
    fatal: true,
  },
  // The scheduler found its stack's end overwritten, or the stack ran out: named like a stall.
  {
    kind: 'panic',
    header: /^Kernel panic - not syncing: corrupted stack end detected inside scheduler/,
    title: 'kernel panic: corrupted stack end in {fn}',
    fn: 'stall',
    skip: ['schedule', 'retint_kernel'],
    fatal: true,
  },
  {
    kind: 'panic',
    header: /^Kernel panic - not syncing: kernel stack overflow/,
    title: 'kernel stack overflow in {fn}',
    fn: 'stall',
    skip: ['bad_stack'],
    fatal: true,
  },
  {
    kind: 'panic',
    header: /^Kernel panic - not syncing: (.*?)\s*$/,
    title: 'kernel panic: {1}',
    fn: 'none',
    fatal: true,
  },
  // Memory-safety reports, bracketed by lines of '='.
  {
    kind: 'kasan',
    // Older kernels say `double-free or invalid-free`, newer ones either half alone.
    header: new RegExp(`^BUG: KASAN: (?:double-free or invalid-free|double-free|invalid-free) in ${FUNC}`),
    title: 'KASAN: invalid-free in {fn}',
    fn: 'header_stack',
    fnGroup: 1,
    skip: ['kmem_', 'slab_', 'kfree', 'vunmap', 'vfree'],
    bracket: 'equals',
  },
  {
    kind: 'kasan',
    header: new RegExp(`^BUG: KASAN: (([a-z-]+) in ${FUNC}.*)`),
    title: 'KASAN: {2} {access} in {fn}',
    bare: { when: 'access', title: 'KASAN: {1}' },
    fn: 'header_stack',
    fnGroup: 3,
    bracket: 'equals',
  },
  // Older KASAN without a function: `null-ptr-deref on address (null)`, then the access.
  {
    kind: 'kasan',
    header: /^BUG: KASAN: ([a-z-]+) on address/,
    title: 'KASAN: {1} {access}',
    fn: 'none',
    bracket: 'equals',
  },
  {
    kind: 'kasan',
    header: /^BUG: KASAN: (.*)/,
    title: 'KASAN: {1}',
    fn: 'none',
    bracket: 'equals',
    cut: true,
  },
  {
    kind: 'kmsan',
    header: new RegExp(`^BUG: KMSAN: (kernel-usb-infoleak) in ${FUNC}`),
    title: 'KMSAN: {1} in {fn}',
    fn: 'header_stack',
    fnGroup: 2,
    skip: [...USB_SUBMIT, ...KMSAN_SKIP],
    bracket: 'equals',
    noStack: true,
  },
  // An infoleak is reported in the copy routine: the caller that copied out is the culprit.
  {
    kind: 'kmsan',
    header: new RegExp(`^BUG: KMSAN: (kernel-infoleak(?:-after-free)?) in ${FUNC}`),
    title: 'KMSAN: {1} in {fn}',
    fn: 'header_stack',
    fnGroup: 2,
    skip: ['copy_to_iter', 'copyout', 'copy_to_user', 'copy_page_to_iter', ...KMSAN_SKIP],
    bracket: 'equals',
    noStack: true,
  },
  // KMSAN names the function that used the value in its header.
  {
    kind: 'kmsan',
    header: new RegExp(`^BUG: KMSAN: ([a-z-]+) in ${FUNC}`),
    title: 'KMSAN: {1} in {fn}',
    fn: 'header_stack',
    fnGroup: 2,
    skip: KMSAN_SKIP,
    bracket: 'equals',
    noStack: true,
  },
  {
    kind: 'kmsan',
    header: /^BUG: KMSAN: (.*)/,
    title: 'KMSAN: {1}',
    fn: 'none',
    bracket: 'equals',
    noStack: true,
  },
  // KFENCE names the access (its direction too, since syzkaller PR #6160) and the function
  // in its header; a helper there (memcmp, krealloc) gives way to the frames printed under it.
  {
    kind: 'kfence',
    header: new RegExp(
      `^BUG: KFENCE: ((?:use-after-free|out-of-bounds) (?:read|write)|invalid (?:read|write)) in ${FUNC}`,
    ),
    title: 'KFENCE: {1} in {fn}',
    fn: 'header_stack',
    fnGroup: 2,
    bracket: 'equals',
  },
  // An invalid free or a corruption found at free time: no access, so no register dump or trace.
  {
    kind: 'kfence',
    header: new RegExp(`^BUG: KFENCE: (invalid free|memory corruption) in ${FUNC}`),
    title: 'KFENCE: {1} in {fn}',
    fn: 'header_stack',
    fnGroup: 2,
    bracket: 'equals',
    noStack: true,
  },
  // KCSAN: `data-race in f1 / f2`, `assert: race in f` — the header is the title.
  {
    kind: 'kcsan',
    header: /^BUG: KCSAN: (.*)/,
    title: 'KCSAN: {1}',
    fn: 'none',
    bracket: 'equals',
    noStack: true,
  },
  {
    kind: 'ubsan',
    header: /^UBSAN: Undefined behaviour in ((\S+?):\d+(?::\d+)?)/,
    title: 'UBSAN: undefined-behaviour in {fn}',
    fn: 'stack',
    locGroup: 1,
    skip: UBSAN_SKIP,
    bracket: 'equals',
  },
  // Every newer UBSAN check: `array-index-out-of-bounds in FILE:LINE`, `shift-out-of-bounds`,
  // `signed-integer-overflow`, `invalid-load`, `object-size-mismatch`, `null-ptr-deref`,
  // `misaligned-access`, `division-overflow`...: named by the stack, past UBSAN's handlers.
  {
    kind: 'ubsan',
    header: /^UBSAN: (.*?) in(?:$| (\S+:\d+(?::\d+)?)?)/,
    title: 'UBSAN: {1} in {fn}',
    fn: 'stack',
    locGroup: 2,
    skip: UBSAN_SKIP,
    bracket: 'equals',
  },
  // Page faults and NULL dereferences: the RIP names the function.
  {
    kind: 'oops',
    header:
      /^BUG: (?:unable to handle kernel NULL pointer dereference|kernel NULL pointer dereference|Kernel NULL pointer dereference)/,
    title: 'BUG: unable to handle kernel NULL pointer dereference in {fn}',
    fn: 'rip',
  },
  {
    kind: 'oops',
    // One bug whichever words the kernel's version used: syzbot titles them all alike.
    header:
      /^BUG: (?:unable to handle page fault|unable to handle kernel paging request|Unable to handle kernel data access)/,
    title: 'BUG: unable to handle kernel paging request in {fn}',
    fn: 'rip',
  },
  // The header's second half is printed apart and was lost (or another line cut in).
  {
    kind: 'oops',
    header: /^BUG: (?:unable|Unable) to handle kernel\b/,
    title: 'BUG: unable to handle kernel',
    fn: 'none',
    cut: true,
  },
  // arm, arm64 and riscv64: `Unable to handle kernel paging request at virtual address ...`,
  // named by `pc :`/`epc :` and the call trace like x86's page faults (syzbot's titles).
  {
    kind: 'oops',
    header: /^Unable to handle kernel (NULL pointer dereference|paging request|access to user memory)/,
    title: 'BUG: unable to handle kernel {1} in {fn}',
    fn: 'rip',
  },
  // arm64's other faults (`write to read-only memory`, `execute from non-executable memory`,
  // `read from unreadable memory`) match no syzkaller format: the header line is the title.
  { kind: 'oops', header: /^(Unable to handle kernel .*?)\s*$/, title: '{1}', fn: 'rip' },
  {
    kind: 'lockup',
    header: /^(?:(?:NMI )?watchdog: )?BUG: soft lockup/,
    title: 'BUG: soft lockup in {fn}',
    fn: 'stall',
  },
  {
    kind: 'lockup',
    header: /^(?:(?:NMI )?watchdog: )?Watchdog detected hard LOCKUP/,
    title: 'watchdog: hard LOCKUP in {fn}',
    fn: 'rip',
  },
  {
    kind: 'bug',
    header: /^BUG: sleeping function called from invalid context at (\S+)/,
    title: 'BUG: sleeping function called from invalid context in {fn}',
    fn: 'stack',
    locGroup: 1,
    skip: ['__might', 'might_', 'schedule', 'mutex', 'rwsem', 'down'],
  },
  {
    kind: 'bug',
    header: /^BUG: scheduling while atomic/,
    title: 'BUG: scheduling while atomic in {fn}',
    fn: 'stack',
    skip: ['schedule', '__schedule', 'schedule_'],
  },
  {
    kind: 'bug',
    header: /^BUG: using ([a-z_]+\(\)) in preemptible/,
    title: 'BUG: using {1} in preemptible code in {fn}',
    fn: 'stack',
    skip: ['check_preemption_disabled', 'preemption', 'preempt', 'debug_', 'processor_id', 'this_cpu'],
  },
  // Spinlock and rwlock debug checks: named by the first frame outside the lock code.
  {
    kind: 'bug',
    header:
      /^BUG: (spinlock|rwlock) (lockup suspected|already unlocked|recursion|cpu recursion|bad magic|wrong owner|wrong CPU|trylock failure on UP)/,
    title: 'BUG: {1} {2} in {fn}',
    fn: 'stack',
    skip: ['spin_', '_lock', '_unlock'],
  },
  // Newer kernels show the busy workers of the stalled pool: named by the first one's work
  // function (its `Workqueue: NAME FUNC` line); older ones print no worker.
  {
    kind: 'lockup',
    header: /^BUG: workqueue lockup/,
    title: 'BUG: workqueue lockup in {fn}',
    fallback: 'BUG: workqueue lockup',
    fn: 'work_function',
    noStack: true,
  },
  // net/ipv6/addrconf.c: a local address without its host route (the address varies).
  {
    kind: 'bug',
    header: /^IPv6: BUG: Address \S+ on device (\S+) is missing its host route\./,
    title: 'BUG: Address IPV6ADDR on device {1} is missing its host route.',
    fn: 'none',
    noStack: true,
  },
  // mm/page_alloc.c bad_page(): the stack shows who freed or mapped the page; the bug is
  // usually in whoever allocated it, which only page_owner (page_owner=on) records.
  {
    kind: 'bug',
    header: /^BUG: Bad page (state|cache)/,
    title: 'BUG: Bad page {1} in {fn}',
    fn: 'page_owner',
    skip: [
      '(free|put|get|update|release)_page',
      'free_unref',
      '^_*folio',
      'truncate_inode_pages',
      'page_frag_free',
      'alloc',
      'vmap',
      'page_owner',
    ],
  },
  { kind: 'bug', header: /^BUG: Bad page map/, title: 'BUG: Bad page map', fn: 'none' },
  {
    kind: 'bug',
    header: /^BUG: Bad rss-counter state/,
    title: 'BUG: Bad rss-counter state',
    fn: 'none',
    noStack: true,
  },
  {
    kind: 'bug',
    header: /^BUG: non-zero (nr_ptes|nr_pmds) on freeing mm/,
    title: 'BUG: non-zero {1} on freeing mm',
    fn: 'none',
    noStack: true,
  },
  {
    kind: 'bug',
    // The file system type and block device (loop0, loop1...) are left out: they split one bug.
    header: /^BUG: Dentry .* still in use \(\d+\) \[(unmount) of ([^\]]+)\]/,
    title: 'BUG: Dentry still in use in {1}',
    fn: 'none',
  },
  {
    kind: 'oops',
    header: /^BUG: (?:TASK |IRQ )?stack guard page was hit/,
    title: 'BUG: stack guard page was hit in {fn}',
    // Runaway recursion: named like a stall, above the dispatcher the recursion started under.
    fn: 'stall',
  },
  // Lockdep. Its reports run free-form until `stack backtrace:`.
  {
    kind: 'lockdep',
    header: /^(WARNING|BUG): lock held when returning to user space/,
    title: '{1}: lock held when returning to user space in {fn}',
    fn: 'lock_at',
    noStack: true,
    bracket: 'free',
  },
  {
    kind: 'lockdep',
    header: /^(?:\[ )?(WARNING|BUG): .*still has locks held!/,
    title: '{1}: still has locks held in {fn}',
    fn: 'lock_at',
    bracket: 'free',
  },
  {
    kind: 'lockdep',
    header: /^(?:\[ )?((WARNING|BUG): bad unlock balance detected!.*)/,
    title: '{2}: bad unlock balance in {fn}',
    bare: { when: 'function', title: '{1}' },
    // The releasing function, unless it is a helper (`__might_fault`): then the stack.
    atLines: 1,
    skip: [],
    fn: 'lock_at',
    bracket: 'free',
  },
  {
    kind: 'lockdep',
    header: /^(?:\[ )?(WARNING|BUG): held lock freed!/,
    title: '{1}: held lock freed in {fn}',
    fn: 'lock_at',
    bracket: 'free',
  },
  {
    kind: 'bug',
    // syz-fuzzer prints the kmemleak reports it reads behind Go's log stamp.
    header: /^(?:\d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d )?BUG: memory leak/,
    title: 'memory leak in {fn}',
    fn: 'stack',
    skip: [
      'kmemleak',
      'kmalloc',
      'kcalloc',
      'kzalloc',
      'vmalloc',
      'mmap',
      'kmem',
      'slab',
      'alloc',
      'create_object',
      'idr_get',
      'list_lru_init',
      'kasprintf',
      'kvasprintf',
      'pcpu_create',
      'strdup',
      'strndup',
      'memdup',
    ],
  },
  // kmemleak's own object line; after `BUG: memory leak` it is part of that report.
  {
    kind: 'bug',
    header: /^unreferenced object 0x[0-9a-f]+ \(size (\d+)\):/,
    title: 'memory leak in {fn} (size {1})',
    fn: 'stack',
    skip: ['kmemleak', 'create_object', 'kmem_cache', 'kmalloc_track_caller'],
    skipOnly: true,
    continues: true,
  },
  {
    kind: 'bug',
    header: /^BUG: workqueue leaked lock or atomic/,
    title: 'BUG: workqueue leaked lock or atomic in {fn}',
    fn: 'last_function',
    noStack: true,
  },
  // arm and arm64 print lockdep's wait-context check like this; x86 as a locking WARNING.
  {
    kind: 'lockdep',
    header: /^(?:\[ )?BUG: Invalid wait context/,
    title: 'WARNING: locking bug in {fn}',
    fn: 'stack',
    skip: ['__lock_acquire', 'lock_sock', 'release_sock'],
    bracket: 'free',
  },
  {
    kind: 'bug',
    header: /^BUG kmalloc-.*: Object already free/,
    title: 'BUG: Object already free',
    fn: 'none',
  },
  // A net device still referenced at unregister: the kernel waits for ever, repeating this
  // (every few seconds, so also inside other reports, which it does not interrupt).
  {
    kind: 'bug',
    header: /^unregister_netdevice: waiting for .* to become free/,
    title: 'unregister_netdevice: waiting for DEV to become free',
    fn: 'none',
    noStack: true,
    continues: true,
  },
  // Older kernels' own use-after-free checks in the VFS.
  {
    kind: 'bug',
    header: /^VFS: Close: file count is 0/,
    title: 'VFS: Close: file count is zero (use-after-free)',
    fn: 'none',
    noStack: true,
  },
  {
    kind: 'bug',
    header: /^VFS: Busy inodes after unmount/,
    title: 'VFS: Busy inodes after unmount (use-after-free)',
    fn: 'none',
    noStack: true,
  },
  // A Rust panic: its message (the next line) in the first Rust frame past the panic machinery.
  // Rust's panic handler then calls BUG(): that report's lines, stack included, are this one's.
  {
    kind: 'bug',
    header: /^rust_kernel: panicked at /,
    title: '{next} in {fn}',
    bare: { when: 'next', title: 'rust_kernel: panicked' },
    fn: 'stack',
    skip: ['__rustc::rust_begin_unwind'],
    bracket: 'free',
    absorbs: /^(?:-+\[ cut here \]-+|kernel BUG at rust\/|Oops: invalid opcode|invalid opcode:)/,
  },
  // A bare `BUG:`, `WARNING:`, `INFO:`: the rest of the header was lost.
  { kind: 'bug', header: /^BUG:\s*$/, title: 'BUG: corrupted', fn: 'none', cut: true },
  { kind: 'warning', header: /^WARNING:\s*$/, title: 'WARNING: corrupted', fn: 'none', cut: true },
  { kind: 'bug', header: /^INFO:\s*$/, title: 'INFO: corrupted', fn: 'none', cut: true },
  {
    kind: 'bug',
    header: /^BUG: (.*?)(?:,|:| at | on |$)/,
    title: 'BUG: {1} in {fn}',
    fallback: 'BUG: {1}',
    fn: 'stack',
    // A BUG no format knows is never corrupted for its missing stack (syzkaller's rule).
    noStack: true,
  },
  // CONFIG_DEBUG_LIST: the BUG() is in the list checker, the culprit is its caller.
  {
    kind: 'bug',
    header: /^kernel BUG at lib\/list_debug\.c:\d+!?/,
    title: 'BUG: corrupted list in {fn}',
    fn: 'rip',
    skip: ['list_', '__list'],
  },
  {
    kind: 'bug',
    header: /^kernel BUG at mm\/usercopy\.c:\d+!?/,
    title: 'BUG: bad usercopy in {fn}',
    fn: 'stack',
    skip: ['usercopy', '__check'],
  },
  // kernel BUG(): the faulting RIP is inside the function that called BUG(); the skb
  // wrappers' BUG_ONs are almost always their caller's bug.
  {
    kind: 'bug',
    header: /^kernel BUG at (\S+?)!?$/,
    title: 'kernel BUG in {fn}',
    fn: 'rip',
    locGroup: 1,
    skip: ['^skb_'],
  },
  // riscv64 prints `Kernel BUG [#1]` inside the `kernel BUG at` report it belongs to.
  { kind: 'bug', header: /^Kernel BUG \[#\d+\]/, title: 'kernel BUG in {fn}', fn: 'rip', continues: true },
  { kind: 'bug', header: /^Kernel BUG (.*)/, title: 'kernel BUG {1}', fn: 'none' },
  // WARN()s inside checkers name the checker; syzkaller titles them by the checker's caller.
  {
    kind: 'warning',
    header: warnIn('lib/debugobjects\\.c', '(?:debug_print|debug_check)', true),
    title: 'WARNING: ODEBUG bug in {fn}',
    fn: 'warning',
    locGroup: 1,
    skip: [
      'debug_',
      'rcu',
      'hrtimer_',
      'timer_',
      'work_',
      'percpu_',
      'kmem_',
      'slab_',
      'kfree',
      'vunmap',
      'vfree',
      '__free_',
      'kobject_',
    ],
  },
  {
    kind: 'warning',
    header: warnIn('mm/usercopy\\.c', 'usercopy_warn', true),
    title: 'WARNING: bad usercopy in {fn}',
    fn: 'warning',
    locGroup: 1,
    skip: ['usercopy', '__check'],
  },
  {
    kind: 'warning',
    header: warnIn('lib/kobject\\.c', 'kobject_', true),
    title: 'WARNING: kobject bug in {fn}',
    fn: 'warning',
    locGroup: 1,
    skip: ['kobject_'],
  },
  {
    kind: 'warning',
    header: warnIn('fs/proc/generic\\.c', 'proc_register'),
    title: 'WARNING: proc registration bug in {fn}',
    fn: 'warning',
    locGroup: 1,
    skip: ['proc_'],
  },
  {
    kind: 'warning',
    header: warnIn('lib/refcount\\.c', 'refcount_', true),
    title: 'WARNING: refcount bug in {fn}',
    fn: 'warning',
    locGroup: 1,
    skip: ['refcount', 'kobject_'],
  },
  {
    kind: 'warning',
    header: warnIn('kernel/locking/lockdep\\.c', '\\w*lock_', true),
    title: 'WARNING: locking bug in {fn}',
    fn: 'warning',
    locGroup: 1,
    skip: ['lock_sock', 'release_sock'],
  },
  {
    kind: 'warning',
    header: warnIn('mm/\\S*\\.c', 'k?.?malloc'),
    title: 'WARNING: kmalloc bug in {fn}',
    fn: 'warning',
    locGroup: 1,
    skip: ['kmalloc', 'kcalloc', 'kzalloc', 'krealloc', 'vmalloc', 'slab', 'kmem'],
  },
  {
    kind: 'warning',
    header: warnIn('mm/vmalloc\\.c', '__vmalloc_node'),
    title: 'WARNING: zero-size vmalloc in {fn}',
    fn: 'warning',
    locGroup: 1,
  },
  {
    kind: 'lockdep',
    header: /^WARNING: Nested lock was not taken/,
    title: 'WARNING: nested lock was not taken in {fn}',
    fn: 'warning',
    skip: ['__lock_acquire'],
    bracket: 'free',
  },
  {
    kind: 'warning',
    header: new RegExp(`${WARN_AT}.* usb_submit_urb`),
    title: 'WARNING in {fn}/usb_submit_urb',
    fn: 'warning',
    skip: USB_SUBMIT,
  },
  // WARN(): the faulting RIP and the stack after it name the function (helpers skipped).
  {
    kind: 'warning',
    header: new RegExp(`${WARN_AT} ${FUNC}`),
    title: 'WARNING in {fn}',
    fn: 'warning',
    fnGroup: 4,
    locGroup: 1,
  },
  {
    kind: 'warning',
    header: /^WARNING: (?:CPU: \d+ PID: -?\d+ )?at (\S+:\d+) ([A-Za-z0-9_.$]+)\(\)/,
    title: 'WARNING in {fn}',
    fn: 'warning',
    fnGroup: 2,
    locGroup: 1,
  },
  // Named where the irq-safe lock became so (the interrupt that takes it), not by `at:` lines.
  {
    kind: 'lockdep',
    header: /^WARNING: \S+-safe -> \S+-unsafe lock order detected/,
    title: 'possible deadlock in {fn}',
    fn: 'became',
    bracket: 'free',
  },
  {
    kind: 'lockdep',
    header: new RegExp(`^WARNING: ${LOCKDEP_DEADLOCK}`),
    title: 'possible deadlock in {fn}',
    fn: 'lock_at',
    // Work items take locks named after them: such deadlocks belong to the work's subsystem.
    skip: ['process_one_work', 'flush_workqueue', 'drain_workqueue', 'destroy_workqueue'],
    bracket: 'free',
  },
  {
    kind: 'lockdep',
    header: new RegExp(`^\\[ INFO: ${LOCKDEP_DEADLOCK} \\]`),
    title: 'possible deadlock in {fn}',
    fn: 'lock_at',
    bracket: 'free',
  },
  {
    kind: 'lockdep',
    header: /^(?:WARNING: inconsistent lock state|\[ INFO: inconsistent lock state \])/,
    title: 'inconsistent lock state in {fn}',
    fn: 'lock_at',
    // The lock taken (`takes: ... at: f`), unless printk took it: then the stack.
    atLines: 1,
    atSkip: ['printk'],
    bracket: 'free',
  },
  {
    kind: 'lockdep',
    header: /^(WARNING|INFO): suspicious RCU usage/,
    title: '{1}: suspicious RCU usage in {fn}',
    bare: { when: 'src', title: '{1}: suspicious RCU usage' },
    fn: 'stack',
    skip: RCU_SKIP,
    bracket: 'free',
  },
  // The older bracketed form.
  {
    kind: 'lockdep',
    header: /^\[ INFO: suspicious RCU usage\. \]/,
    title: 'INFO: suspicious RCU usage in {fn}',
    fn: 'stack',
    skip: RCU_SKIP,
    bracket: 'free',
  },
  {
    kind: 'lockdep',
    header: /^INFO: trying to register non-static key/,
    title: 'INFO: trying to register non-static key in {fn}',
    fn: 'stack',
    skip: ['stack', 'lock', 'IRQ'],
  },
  {
    kind: 'warning',
    header: /^WARNING: kernel stack regs at [0-9a-f]+ in \S* has bad '([^']+)' value/,
    title: "WARNING: kernel stack regs has bad '{1}' value",
    fn: 'none',
    noStack: true,
  },
  {
    kind: 'warning',
    header: /^WARNING: kernel stack frame pointer at [0-9a-f]+ in \S* has bad value/,
    title: 'WARNING: kernel stack frame pointer has bad value',
    fn: 'none',
    noStack: true,
  },
  {
    kind: 'warning',
    header: new RegExp(WARN_AT),
    title: 'WARNING in {fn}',
    fn: 'warning',
    locGroup: 1,
  },
  // Traps: x86 prints the trap name, then "RIP:" names the function.
  {
    kind: 'gpf',
    header: /^(?:segment-related )?general protection fault/,
    title: 'general protection fault in {fn}',
    fn: 'rip',
  },
  {
    kind: 'oops',
    header: /^invalid opcode: \d+/,
    title: 'invalid opcode in {fn}',
    fn: 'rip',
    continues: true,
  },
  { kind: 'oops', header: /^divide(?: |_)error: \d+/, title: 'divide error in {fn}', fn: 'rip' },
  { kind: 'oops', header: /^stack segment: \d+/, title: 'stack segment fault in {fn}', fn: 'rip' },
  // A breakpoint nobody handles: a stray `int3` byte (text patching racing, a probe left behind).
  { kind: 'oops', header: /^int3: \d+/, title: 'int3 in {fn}', fn: 'rip' },
  { kind: 'oops', header: /^PANIC: double fault/, title: 'PANIC: double fault in {fn}', fn: 'rip' },
  // arm and arm64 die(): after `Unable to handle kernel ...` or `kernel BUG at` it belongs to
  // that report; alone (synchronous external abort, BRK, SP/PC alignment) it is the header.
  { kind: 'oops', header: /^Internal error: /, title: 'Internal error in {fn}', fn: 'rip', continues: true },
  // riscv64 die(): `Oops [#1]`, `Oops - illegal instruction [#1]`, `Kernel BUG [#1]`.
  {
    kind: 'oops',
    header: /^Oops - ([a-z][a-z ]*?) \[#\d+\]/,
    title: 'Oops - {1} in {fn}',
    fn: 'rip',
    continues: true,
  },
  { kind: 'oops', header: /^Oops(?:: \d+)? \[#\d+\]/, title: 'Oops in {fn}', fn: 'rip', continues: true },
  // arm32 traps that print the PC like an oops.
  {
    kind: 'oops',
    header: /^Unhandled fault: /,
    title: 'Unhandled fault in {fn}',
    fn: 'rip',
    continues: true,
  },
  { kind: 'oops', header: /^Alignment trap: /, title: 'Alignment trap in {fn}', fn: 'rip' },
  // Hangs and stalls.
  {
    kind: 'hung_task',
    header: /^INFO: task .* blocked (?:in I\/O wait )?for more than \d+ seconds/,
    title: 'INFO: task hung in {fn}',
    fn: 'hung',
  },
  // The same, when the task's name holds a newline: the header's second half starts the report.
  {
    kind: 'hung_task',
    header: /^\S.*:\d+ blocked (?:in I\/O wait )?for more than \d+ seconds/,
    title: 'INFO: task hung in {fn}',
    fn: 'hung',
  },
  {
    kind: 'hung_task',
    header: /^INFO: task .* can't die for more than \d+ seconds/,
    title: "INFO: task can't die in {fn}",
    fn: 'stack',
    skip: ['schedule'],
  },
  {
    kind: 'rcu_stall',
    header: /^(?:rcu: )?INFO: rcu_(?:preempt|sched|bh|tasks\w*) (?:self-)?detected(?: expedited)? stalls?/,
    title: 'INFO: rcu detected stall in {fn}',
    fn: 'stall',
    // A task dump of a CPU spinning with interrupts off shows only where it last switched
    // (`__switch_to` on arm64): no function, as syzbot finds none (`... in corrupted`).
    skip: ['rcu', 'apic_timer_interrupt', '^__switch_to$'],
    // `self-detected stall` and `detected stalls` headers of one stall come together.
    continues: 'before-stack',
  },
  // SLUB debug's record of an object, seen alone: the report it belonged to was lost.
  {
    kind: 'bug',
    header: /^INFO: (Freed|Allocated) in (.*)/,
    title: 'INFO: {1} in {2}',
    fn: 'none',
    noStack: true,
    continues: true,
    cut: true,
  },
  // Out of memory: not fatal by itself, but a boot that ran out of memory wants to know.
  {
    kind: 'oom',
    header: /^(\S+) invoked oom-killer:/,
    title: 'out of memory: oom-killer invoked by {1}',
    fn: 'none',
  },
  {
    kind: 'oom',
    header: /^Out of memory and no killable processes/,
    title: 'out of memory: no killable processes',
    fn: 'none',
    noStack: true,
    fatal: true,
  },
];

/**
 * A symbolized sanitizer header naming an inlined function (`BUG: KASAN: double-free in slab_free
 * mm/slub.c:3599 [inline]`): the header with the real function (`+0x..`) follows, as after `cut here`.
 */
export const INLINE_HEADER_RE =
  /^BUG: (?:KASAN|KMSAN|KFENCE): .* in [A-Za-z0-9_.$]+ \S+:\d+(?::\d+)? \[inline\]\s*$/;
/** `------------[ cut here ]------------`: a WARN or BUG header follows within a few lines. */
export const CUT_HERE_RE = /^(?:-+\[ cut here \]-+|8<-+ cut here -+)\s*$/;
/** The closing line of a report; it belongs to the report. */
export const END_TRACE_RE = /^-+\[ end (?:trace(?: [0-9a-f]+)?|Kernel panic - not syncing:.*?) \]-+/;
export const EQUALS_RE = /^={20,}\s*$/;

/** Lines that continue an open report: frames, registers, and the kernel's report furniture. */
export const REPORT_LINE_RES: readonly RegExp[] = [
  // Stack frames: ` foo+0x1/0x2`, ` ? foo+0x1/0x2 [mod]`, ` [<ffffffff81000000>] foo+0x1/0x2`, decoded ` foo (file.c:12)`.
  /^\s*(?:\[<?[0-9a-f]+>?\]\s*){0,2}(?:\?\s+)?[A-Za-z0-9_.$]+\+0x[0-9a-f]+\/0x[0-9a-f]+/,
  /^\s+(?:\?\s+)?[A-Za-z0-9_.$]+ \(\S+:\d+(?::\d+)?\)/,
  // syzkaller-symbolized inlined frames: ` kobject_cleanup lib/kobject.c:662 [inline]`.
  /^\s+[A-Za-z0-9_.$]+ \S+\.[a-zA-Z]+:\d+(?::\d+)? \[inline\]/,
  /^\s*(?:\[<[0-9a-f]+>\]\s*)+/,
  // Interrupt-context markers before a frame, and raw stack words of old kernels.
  /^\s*<(?:IRQ|EOI|NMI|TASK)>\s+\S/,
  /^\s*(?:[0-9a-f]{16} ){2,}/,
  // 32-bit kernels: stack words of 8 digits, and the page-table walk under the fault.
  /^\s*(?:[0-9a-f]{8} ){2,}[0-9a-f]{8}\s*$/,
  /^\*(?:pdpt|pde|pte) = [0-9a-f]+/,
  // Older x86 oopses end with the trap site again: `RIP  [<ffffffff8123abcd>] f+0x..`, ` RSP <ffff88..>`.
  /^\s*(?:RIP|EIP) +\[<[0-9a-f]+>\] |^\s*RSP <[0-9a-f]+>/,
  /^(?:All QSes seen|Task dump for CPU|\S+\s+R\s+running task)/,
  // powerpc: the trap site inside a stack, and its link register.
  /^(?:--- interrupt: \d+ at |\s*LR = )/,
  // A frame without a symbol (a probe trampoline, JIT code, a call through NULL on arm64):
  // `  0xffffffffa0002034`, ` 0x0`.
  /^\s*(?:\?\s+)?0x[0-9a-f]{1,16}\s*$/,
  /^\s*<\/?(?:TASK|IRQ|NMI|EOI|SOFTIRQ)>\s*$/,
  /^\s*(?:Call Trace|Call trace|Backtrace|backtrace|Stack|stack backtrace|Exception stack\([^)]*\)):?/,
  // kmemleak's object description.
  /^\s+(?:comm "|hex dump \(|(?:[0-9a-f]{2} ){16})/,
  /^\s*(?:CPU: \d+ (?:PID|UID)|Hardware name:|Workqueue:|Modules linked in:|Tainted:|\s*Not tainted|Kernel Offset:|Code:|RIP:|EIP:|IP:|NIP:|LR:|RSP:|ESP:|RAX:|RBX:|RCX:|RDX:|RSI:|RDI:|RBP:|EAX:|EBX:|ECX:|EDX:|ESI:|EDI:|EBP:|R\d{1,2}:|FS:|GS:|CS:|DS:|ES:|SS:|CR\d:|DR\d:|PKRU:|ORIG_RAX:|EFLAGS:|#PF:|PGD |P4D |PUD |PMD |PTE |Oops:|Oops#|Dumping ftrace|irq event stamp:|hardirqs |softirqs |pc : |lr : |sp : |x\d+ ?: |Internal error:|Process \S+ \(pid:|Mem abort info:|ESR = |EC = |SET = |FAR = |FSC = |EA = |swapper pgtable:|Data abort info:|ISV = |CM = |Access size = |SSE = |SF = |user pgtable:|\[[0-9a-f]+\] (?:pgd=|address between user and kernel|user address but active_mm)|Unable to handle|Rebooting in|Shutting down cpus|Sending NMI|NMI backtrace|Preemption disabled at|in_atomic\(\)|preempt_count:|INFO: lockdep|note: |Disabling lock debugging|Memory state around|The buggy address|Allocated by task|Freed by task|Last potentially related|Second to last|---\[ end)/,
  /^\s*(?:task:\S+\s+state:|"echo 0 > \/proc\/sys\/kernel\/hung_task_timeout_secs")/,
  // The same task line when the task's name holds a newline: `task:ab` and `cd state:D stack:...`.
  /^\s*task:|\sstate:[A-Z] stack:\s*\d+ pid:\s*\d+/,
  /^(?:rcu: |\s+\((?:t=\d+ jiffies|detected by \d+)|\s+\d+-[.\w]+: \()/,
  // x86 trap lines inside a report: `stack guard page: 0000 [#1]`, `invalid opcode: 0000 [#1]`.
  /^[a-z][a-z ]+: [0-9a-f]{4} \[#\d+\]/,
  /^(?:RCU nest depth:|\S+ is leaving the kernel with locks still held|\s*last function: )/,
  // Lockdep's note under `INFO: trying to register non-static key.`; the preemption check's caller.
  /^(?:the code is fine but needs lockdep annotation|turning off the locking correctness validator|caller is \S+\+0x)/,
  // A workqueue lockup's dump of busy workqueues and pools, then the stalled pools' workers.
  /^(?:Showing (?:busy workqueues and worker pools|backtraces of busy workers in stalled worker pools):|workqueue \S+: flags=|\s+pwq \d+: cpus=|\s+(?:in-flight|pending|inactive): |pool \d+:)/,
  // spinlock debug's description of the lock: ` lock: 0xffff88006c122d00, .magic: dead4ead, ...`.
  /^\s*lock: (?:0x)?[0-9a-f]+, \.magic: /,
  /^\s*(?:\d+ locks? held by|#\d+: [0-9a-f]+ )/,
  // Older x86 and 32-bit layouts, riscv64 registers, the ftrace dump, an old hung task's state line.
  /^\s*(?:(?:EIP|RIP|PC|LR|NIP) is at |epc ?: |ra ?: |status: |badaddr: |cause: |gp ?: |\(ftrace buffer empty\)|task: [0-9a-f]+ (?:task\.stack|ti):|pgd = [0-9a-f]+|\[[0-9a-f]+\] \*pgd=|last sysfs file:|Thread overran stack|pstate: |CPU: \d+\s+(?:Not tainted|Tainted)|Code: )/,
  /^\S+\s+[RDSTtZXI]\s*(?:[0-9a-f]{16}\s+)?\d+\s+\d+\s+\d+ 0x[0-9a-f]+\s*$/,
  // riscv64 register dump: ` gp : ffffffff815c0330 tp : ... t0 : ...`, ` s11: ...`.
  /^\s*(?:[ast]\d{1,2}|[gt]p|ra|sp)\s*: [0-9a-f]{8,16}\b/,
  // arm32 frames: `[<80c1e5e8>] (__schedule) from [<80c1eb20>] (schedule+0x60/0xdc)`.
  /^\s*\[<[0-9a-f]+>\] \(/,
  // arm32 registers (`r10: 8591b080  r9 : 8bdfc000`, ` r9:40000193 r8:...`), mode lines and
  // stack dumps (`1dc0: 80ffa650 0000009c ...`).
  /^\s*(?:r\d{1,2}|ip|fp)\s*:\s?[0-9a-f]{8}\b|^(?:Flags|Control): |^[0-9a-f]{4}:(?: +(?:[0-9a-f]{8}){1,2})+\s*$/,
  // arm64's memory around the registers (show_data): `\nPC: 0xffff...:` (printed `\x0aPC:` by older
  // kernels), then `beac  ******** 93407c00 ...` rows.
  /^(?:\\x0a)?(?:PC|LR|SP|X\d{1,2}): 0x[0-9a-f]+:\s*$|^[0-9a-f]{4} {2}(?:(?:[0-9a-f]{8}|\*{8}) ?){1,8}\s*$/,
  // A page's dump (mm/debug.c __dump_page), page_owner's record of it and a bad pte's mapping.
  /^(?:page:(?:[0-9a-f]+)? refcount:|head: |flags: 0x|page_type: |raw: [0-9a-f]{16} |memcg:[0-9a-f]+|anon flags: |aops:|page dumped because: |page_owner (?:tracks the page as|info is not present)|page last (?:allocated via order|free (?:pid|stack trace))|page has been migrated|addr:[0-9a-f]+ vm_flags:|file:\S+ fault:)/,
  // KASAN's note after a general protection fault on a shadow address.
  /^KASAN: (?:null-ptr-deref|maybe wild-memory-access|probably user-memory-access) in range/,
];

/** Report lines inside an OOM report (Mem-Info and the task table). */
export const OOM_LINE_RES: readonly RegExp[] = [
  /^(?:Mem-Info:|active_anon:|\s*(?:active_file|unevictable|slab_reclaimable|mapped|pagetables|free|free_pcp|free_cma):|Node \d|DMA32?:? |Normal:? |HighMem:? |Movable:? |lowmem_reserve\[\]|\d+ total pagecache|\d+ pages |Free swap|Total swap|Tasks state|\[\s*pid\s*\]|\[\s*\d+\]|oom-kill:|Out of memory: Kill|oom_reaper:|\d+ pages in swap cache|Swap cache stats|\s*\d+ (?:pages|total))/,
  /^\S+ cpuset=|^mems_allowed=/,
];
