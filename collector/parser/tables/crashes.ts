/**
 * Crash report formats as data, in the manner of syzkaller's pkg/report: each row is a
 * header the kernel prints, the kind of crash it starts and how its one-line title is made.
 * To teach bootwatch a new format, add a row (and a real log to test/fixtures).
 *
 * Title templates: `{1}`, `{2}` are the header's capture groups (addresses already
 * removed), `{fn}` the function the row's `fn` rule finds, `{loc}` the file:line.
 */
import type { CrashKind } from '../../../common/types/parse.ts';

/** Where the title's function comes from. */
export type FunctionSource =
  /** The faulting instruction (RIP/EIP/pc line), else the stack. */
  | 'rip'
  /** The first meaningful frame of the call trace. */
  | 'stack'
  /** A `FUNC+0x../0x..` in the header itself (capture group `fnGroup`). */
  | 'header'
  /** The frame named on a lockdep `at: FUNC+0x..` line. */
  | 'lock_at'
  /** Stall reports: the frame above the dispatching frame (syzkaller's stall extractor). */
  | 'stall'
  /** Hung tasks: the first frame that is not waiting. */
  | 'hung'
  | 'none';

export interface CrashFormat {
  kind: CrashKind;
  header: RegExp;
  /** Template used when a function was found. */
  title: string;
  /** Template used when none was (defaults to `title` with ` in {fn}` removed). */
  fallback?: string;
  fn: FunctionSource;
  fnGroup?: number;
  /** Capture group holding `file:line`. */
  locGroup?: number;
  /** Extra frame substrings to skip for this format. */
  skip?: string[];
  /** The report runs until a `====` line (KASAN, KFENCE, UBSAN, lockdep until its trace). */
  bracket?: 'equals' | 'free';
  /** The report ends the boot. */
  fatal?: boolean;
  /** Never starts a report inside another one (it is that report's continuation). */
  continues?: boolean;
}

const FUNC = '([A-Za-z0-9_.$]+)\\+0x[0-9a-f]+/0x[0-9a-f]+';

export const CRASH_FORMATS: readonly CrashFormat[] = [
  // Panics: the boot is over.
  {
    kind: 'panic',
    header: /^Kernel panic - not syncing: stack-protector: Kernel stack is corrupted in: ([A-Za-z0-9_.$]+)/,
    title: 'kernel panic: stack is corrupted in {fn}',
    fn: 'header',
    fnGroup: 1,
    fatal: true,
  },
  {
    kind: 'panic',
    header: /^Kernel panic - not syncing: (Attempted to kill init!)/,
    title: 'kernel panic: {1}',
    fn: 'none',
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
    header: new RegExp(`^BUG: KASAN: ([a-z-]+) in ${FUNC}`),
    title: 'KASAN: {1} {access} in {fn}',
    fn: 'header',
    fnGroup: 2,
    bracket: 'equals',
  },
  {
    kind: 'kasan',
    header: /^BUG: KASAN: (.*)/,
    title: 'KASAN: {1}',
    fn: 'none',
    bracket: 'equals',
  },
  {
    kind: 'kfence',
    header: new RegExp(`^BUG: KFENCE: ([a-z- ]+?) in ${FUNC}`),
    title: 'KFENCE: {1} in {fn}',
    fn: 'header',
    fnGroup: 2,
    bracket: 'equals',
  },
  { kind: 'kfence', header: /^BUG: KCSAN: (.*)/, title: 'KCSAN: {1}', fn: 'none', bracket: 'equals' },
  {
    kind: 'ubsan',
    header: /^UBSAN: ([a-z-]+(?: [a-z-]+)*) in (\S+:\d+(?::\d+)?)/,
    title: 'UBSAN: {1} in {fn}',
    fallback: 'UBSAN: {1} in {2}',
    fn: 'stack',
    locGroup: 2,
    skip: ['ubsan', '__ubsan'],
    bracket: 'equals',
  },
  // Page faults and NULL dereferences: the RIP names the function.
  {
    kind: 'oops',
    header: /^BUG: (kernel NULL pointer dereference|unable to handle kernel NULL pointer dereference)/,
    title: 'BUG: {1} in {fn}',
    fn: 'rip',
  },
  {
    kind: 'oops',
    header:
      /^BUG: (unable to handle page fault|unable to handle kernel paging request|Unable to handle kernel data access)/,
    title: 'BUG: {1} in {fn}',
    fn: 'rip',
  },
  {
    kind: 'oops',
    header:
      /^(Unable to handle kernel (?:NULL pointer dereference|paging request|execute from non-executable memory))/,
    title: '{1} in {fn}',
    fn: 'rip',
  },
  {
    kind: 'lockup',
    header: /^(?:watchdog: )?BUG: soft lockup/,
    title: 'BUG: soft lockup in {fn}',
    fn: 'rip',
  },
  {
    kind: 'lockup',
    header: /^(?:watchdog: )?Watchdog detected hard LOCKUP/,
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
    skip: ['check_preemption_disabled', 'debug_smp_processor_id', 'preempt'],
  },
  {
    kind: 'bug',
    header: /^BUG: spinlock (lockup suspected|already unlocked|recursion|bad magic|wrong owner|wrong CPU)/,
    title: 'BUG: spinlock {1} in {fn}',
    fn: 'stack',
    skip: ['spin_'],
  },
  { kind: 'lockup', header: /^BUG: workqueue lockup/, title: 'BUG: workqueue lockup', fn: 'none' },
  { kind: 'bug', header: /^BUG: Bad page (state|map)/, title: 'BUG: Bad page {1}', fn: 'none' },
  { kind: 'bug', header: /^BUG: Bad rss-counter state/, title: 'BUG: Bad rss-counter state', fn: 'none' },
  {
    kind: 'oops',
    header: /^BUG: (?:TASK |IRQ )?stack guard page was hit/,
    title: 'BUG: stack guard page was hit in {fn}',
    fn: 'rip',
  },
  {
    kind: 'lockdep',
    header: /^(?:WARNING|BUG): lock held when returning to user space/,
    title: 'WARNING: lock held when returning to user space in {fn}',
    fallback: 'WARNING: lock held when returning to user space',
    fn: 'lock_at',
    bracket: 'free',
  },
  {
    kind: 'bug',
    header: /^BUG: memory leak/,
    title: 'memory leak in {fn}',
    fn: 'stack',
    skip: ['kmemleak', 'alloc', 'kmem', 'slab', 'create_object', 'strdup', 'memdup'],
  },
  {
    kind: 'bug',
    header: /^BUG: (.*?)(?:,|:| at | on |$)/,
    title: 'BUG: {1} in {fn}',
    fallback: 'BUG: {1}',
    fn: 'stack',
  },
  // CONFIG_DEBUG_LIST: the BUG() is in the list checker, the culprit is its caller.
  {
    kind: 'bug',
    header: /^kernel BUG at lib\/list_debug\.c:\d+!?/,
    title: 'BUG: corrupted list in {fn}',
    fn: 'rip',
    skip: ['list_', '__list'],
  },
  // kernel BUG(): the faulting RIP is inside the function that called BUG().
  {
    kind: 'bug',
    header: /^kernel BUG at (\S+?)!?$/,
    title: 'kernel BUG in {fn}',
    fallback: 'kernel BUG at {1}',
    fn: 'rip',
    locGroup: 1,
  },
  { kind: 'bug', header: /^Kernel BUG (.*)/, title: 'kernel BUG {1}', fn: 'none' },
  // WARN()s inside checkers name the checker; syzkaller titles them by the checker's caller.
  {
    kind: 'warning',
    header: /^WARNING: CPU: \d+ PID: \d+ at (lib\/refcount\.c:\d+) refcount_/,
    title: 'WARNING: refcount bug in {fn}',
    fn: 'stack',
    locGroup: 1,
    skip: ['refcount', 'kobject_'],
  },
  {
    kind: 'warning',
    header: /^WARNING: CPU: \d+ PID: \d+ at (lib\/debugobjects\.c:\d+) /,
    title: 'WARNING: ODEBUG bug in {fn}',
    fn: 'stack',
    locGroup: 1,
    skip: ['debug_', 'rcu', 'timer_', 'work_', 'kfree', '__free_'],
  },
  {
    kind: 'warning',
    header: /^WARNING: CPU: \d+ PID: \d+ at (lib\/kobject\.c:\d+) /,
    title: 'WARNING: kobject bug in {fn}',
    fn: 'stack',
    locGroup: 1,
    skip: ['kobject_'],
  },
  // WARN(): the header names function and file.
  {
    kind: 'warning',
    header: new RegExp(`^WARNING: CPU: \\d+ PID: \\d+ at (\\S+:\\d+) ${FUNC}`),
    title: 'WARNING in {fn}',
    fn: 'header',
    fnGroup: 2,
    locGroup: 1,
  },
  {
    kind: 'warning',
    header: new RegExp(`^WARNING: (\\S+:\\d+) at ${FUNC}`),
    title: 'WARNING in {fn}',
    fn: 'header',
    fnGroup: 2,
    locGroup: 1,
  },
  {
    kind: 'warning',
    header: /^WARNING: at (\S+:\d+) ([A-Za-z0-9_.$]+)\(\)/,
    title: 'WARNING in {fn}',
    fn: 'header',
    fnGroup: 2,
    locGroup: 1,
  },
  {
    kind: 'lockdep',
    header:
      /^WARNING: (possible circular locking dependency|possible recursive locking|possible irq lock inversion dependency) detected/,
    title: 'possible deadlock in {fn}',
    fallback: 'possible deadlock',
    fn: 'lock_at',
    bracket: 'free',
  },
  {
    kind: 'lockdep',
    header: /^WARNING: inconsistent lock state/,
    title: 'inconsistent lock state in {fn}',
    fallback: 'inconsistent lock state',
    fn: 'lock_at',
    bracket: 'free',
  },
  {
    kind: 'lockdep',
    header: /^WARNING: (bad unlock balance|held lock freed)/,
    title: 'WARNING: {1} in {fn}',
    fn: 'lock_at',
    bracket: 'free',
  },
  {
    kind: 'warning',
    header: /^WARNING: suspicious RCU usage/,
    title: 'WARNING: suspicious RCU usage in {fn}',
    fallback: 'WARNING: suspicious RCU usage',
    fn: 'stack',
    skip: ['rcu', 'lockdep_rcu'],
    bracket: 'free',
  },
  {
    kind: 'warning',
    header: /^WARNING: CPU: \d+ PID: \d+ at (\S+:\d+)/,
    title: 'WARNING in {fn}',
    fallback: 'WARNING at {1}',
    fn: 'rip',
    locGroup: 1,
  },
  // Traps: x86 prints the trap name, then "RIP:" names the function.
  {
    kind: 'gpf',
    header: /^general protection fault/,
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
  { kind: 'oops', header: /^divide error: \d+/, title: 'divide error in {fn}', fn: 'rip' },
  { kind: 'oops', header: /^stack segment: \d+/, title: 'stack segment fault in {fn}', fn: 'rip' },
  { kind: 'oops', header: /^PANIC: double fault/, title: 'PANIC: double fault in {fn}', fn: 'rip' },
  { kind: 'oops', header: /^Internal error: (Oops[^:]*):/, title: 'Internal error: {1} in {fn}', fn: 'rip' },
  { kind: 'oops', header: /^Oops: \d+ \[#\d+\]/, title: 'Oops in {fn}', fn: 'rip', continues: true },
  // Hangs and stalls.
  {
    kind: 'hung_task',
    header: /^INFO: task .* blocked for more than \d+ seconds/,
    title: 'INFO: task hung in {fn}',
    fallback: 'INFO: task hung',
    fn: 'hung',
  },
  {
    kind: 'rcu_stall',
    header: /^(?:rcu: )?INFO: rcu_(?:preempt|sched|bh) (?:self-)?detected(?: expedited)? stalls?/,
    title: 'INFO: rcu detected stall in {fn}',
    fallback: 'INFO: rcu detected stall',
    fn: 'stall',
    skip: ['rcu', 'apic_timer_interrupt', 'sysvec_apic_timer_interrupt'],
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
    fatal: true,
  },
];

/** `------------[ cut here ]------------`: a WARN or BUG header follows within a few lines. */
export const CUT_HERE_RE = /^-+\[ cut here \]-+\s*$/;
/** The closing line of a report; it belongs to the report. */
export const END_TRACE_RE = /^-+\[ end (?:trace(?: [0-9a-f]+)?|Kernel panic - not syncing:.*?) \]-+/;
export const EQUALS_RE = /^={20,}\s*$/;

/** Lines that continue an open report: frames, registers, and the kernel's report furniture. */
export const REPORT_LINE_RES: readonly RegExp[] = [
  // Stack frames: ` foo+0x1/0x2`, ` ? foo+0x1/0x2 [mod]`, ` [<ffffffff81000000>] foo+0x1/0x2`, decoded ` foo (file.c:12)`.
  /^\s*(?:\[<?[0-9a-f]+>?\]\s*){0,2}(?:\?\s+)?[A-Za-z0-9_.$]+\+0x[0-9a-f]+\/0x[0-9a-f]+/,
  /^\s+(?:\?\s+)?[A-Za-z0-9_.$]+ \(\S+:\d+(?::\d+)?\)/,
  /^\s*(?:\[<[0-9a-f]+>\]\s*)+/,
  // A frame without a symbol (a probe trampoline, JIT code): `  0xffffffffa0002034`.
  /^\s*(?:\?\s+)?0x[0-9a-f]{8,16}\s*$/,
  /^\s*<\/?(?:TASK|IRQ|NMI|EOI|SOFTIRQ)>\s*$/,
  /^\s*(?:Call Trace|Call trace|Backtrace|Stack|stack backtrace|Exception stack\([^)]*\)):?/,
  /^\s*(?:CPU: \d+ (?:PID|UID)|Hardware name:|Workqueue:|Modules linked in:|Tainted:|\s*Not tainted|Kernel Offset:|Code:|RIP:|EIP:|IP:|NIP:|LR:|RSP:|ESP:|RAX:|RBX:|RCX:|RDX:|RSI:|RDI:|RBP:|EAX:|EBX:|ECX:|EDX:|ESI:|EDI:|EBP:|R\d{1,2}:|FS:|GS:|CS:|DS:|ES:|SS:|CR\d:|DR\d:|PKRU:|ORIG_RAX:|EFLAGS:|#PF:|PGD |P4D |PUD |PMD |PTE |Oops:|Oops#|Dumping ftrace|irq event stamp:|hardirqs |softirqs |pc : |lr : |sp : |x\d+ ?: |Internal error:|Process \S+ \(pid:|Mem abort info:|ESR = |EC = |SET = |FAR = |EA = |Data abort info:|ISV = |CM = |user pgtable:|\[[0-9a-f]+\] pgd=|Unable to handle|Rebooting in|Shutting down cpus|Sending NMI|NMI backtrace|Preemption disabled at|in_atomic\(\)|preempt_count:|INFO: lockdep|note: |Disabling lock debugging|Memory state around|The buggy address|Allocated by task|Freed by task|Last potentially related|Second to last|---\[ end)/,
  /^\s*(?:task:\S+\s+state:|"echo 0 > \/proc\/sys\/kernel\/hung_task_timeout_secs")/,
  /^(?:rcu: |\s+\((?:t=\d+ jiffies|detected by \d+))/,
  // x86 trap lines inside a report: `stack guard page: 0000 [#1]`, `invalid opcode: 0000 [#1]`.
  /^[a-z][a-z ]+: [0-9a-f]{4} \[#\d+\]/,
  /^(?:RCU nest depth:|\S+ is leaving the kernel with locks still held)/,
  /^\s*(?:\d+ locks? held by|#\d+: [0-9a-f]+ )/,
  // KASAN's note after a general protection fault on a shadow address.
  /^KASAN: (?:null-ptr-deref|maybe wild-memory-access|probably user-memory-access) in range/,
];

/** Report lines inside an OOM report (Mem-Info and the task table). */
export const OOM_LINE_RES: readonly RegExp[] = [
  /^(?:Mem-Info:|active_anon:|\s*(?:active_file|unevictable|slab_reclaimable|mapped|pagetables|free|free_pcp|free_cma):|Node \d|DMA32?:? |Normal:? |HighMem:? |Movable:? |lowmem_reserve\[\]|\d+ total pagecache|\d+ pages |Free swap|Total swap|Tasks state|\[\s*pid\s*\]|\[\s*\d+\]|oom-kill:|Out of memory: Kill|oom_reaper:|\d+ pages in swap cache|Swap cache stats|\s*\d+ (?:pages|total))/,
  /^\S+ cpuset=|^mems_allowed=/,
];
