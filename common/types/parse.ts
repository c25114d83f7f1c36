/**
 * What the parser makes of a console log: the `parse --json` object of CONTRACT.md and
 * its parts. These types are the one source of truth shared by the parser, the storage,
 * the HTTP API, the runners and the dashboard.
 */

export type Outcome = 'booted' | 'panic' | 'stalled' | 'no_output';

/** Boot stages in the order a healthy boot reaches them. */
export const MILESTONES = [
  'kernel_start',
  'console',
  'initramfs',
  'root_mounted',
  'init_start',
  'userspace',
  'login',
  'shutdown',
] as const;
export type MilestoneName = (typeof MILESTONES)[number];

/** Kernel time (seconds) of each stage reached; null when the log has no time for it. */
export type Milestones = Partial<Record<MilestoneName, number | null>>;

/** The furthest stage a console shows: how far a boot got, even when it failed. */
export type BootStage = 'no_output' | 'firmware' | 'kernel' | 'console' | 'init' | 'userspace' | 'shutdown';

/** How the parser classified one input line. Every line gets exactly one class. */
export type LineClass = 'empty' | 'firmware' | 'kernel' | 'crash' | 'userspace' | 'harness' | 'junk';

/** printk log levels; null when the line carries no level. */
export type LogLevel = 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7;

interface EventBase {
  /** 1-based line of the input. */
  line: number;
  /** The kernel's [seconds.micros] stamp of that line, else null. */
  time: number | null;
}

export interface ProbeEvent extends EventBase {
  kind: 'probe';
  driver: string;
  device: string;
  ok: boolean;
  errno?: number;
  errnoName?: string | null;
  usecs?: number;
  message: string;
}

export interface ErrorEvent extends EventBase {
  kind: 'error';
  errno: number;
  errnoName: string | null;
  message: string;
  /** Who printed it: the kernel or a userspace program on the console. */
  source: 'kernel' | 'userspace';
  level?: LogLevel | null;
}

export interface InitExecEvent extends EventBase {
  kind: 'init_exec';
  path: string;
  /** Negative errno when the exec failed, null when init started and ran. */
  errno: number | null;
  errnoName: string | null;
  /** True when the kernel said nothing and the failure is implied (-ENOENT of a default init). */
  implied?: boolean;
  message: string;
}

export interface MountFailedEvent extends EventBase {
  kind: 'mount_failed';
  source: string | null;
  target: string | null;
  fstype: string | null;
  errno: number | null;
  errnoName: string | null;
  message: string;
}

export interface MissingConfigEvent extends EventBase {
  kind: 'missing_config';
  option: string;
  message: string;
}

export interface UserspaceEvent extends EventBase {
  kind: 'userspace';
  text: string;
}

export interface MilestoneEvent extends EventBase {
  kind: 'milestone';
  name: MilestoneName;
}

/** A kernel line at level err or worse (or a known-bad message) that fits no other kind. */
export interface KernelErrorLineEvent extends EventBase {
  kind: 'kernel_error';
  message: string;
  level: LogLevel | null;
}

export type BootEvent =
  | ProbeEvent
  | ErrorEvent
  | InitExecEvent
  | MountFailedEvent
  | MissingConfigEvent
  | UserspaceEvent
  | MilestoneEvent
  | KernelErrorLineEvent;

export type EventKind = BootEvent['kind'];

export type CrashKind =
  | 'panic'
  | 'oops'
  | 'bug'
  | 'warning'
  | 'kasan'
  | 'kfence'
  | 'kmsan'
  | 'kcsan'
  | 'ubsan'
  | 'gpf'
  | 'lockup'
  | 'rcu_stall'
  | 'hung_task'
  | 'lockdep'
  | 'oom'
  | 'other';

export interface StackFrame {
  fn: string;
  offset?: string;
  module?: string | null;
  /** `?` frames: the unwinder was not sure. */
  reliable: boolean;
  /** file:line when the log is already symbolized (decode_stacktrace). */
  source?: string | null;
}

export interface Crash {
  kind: CrashKind;
  /** One line for grouping across runs, syzbot style: `WARNING in foo`. */
  title: string;
  /** First line of the report (the header). */
  line: number;
  /** Last line that belongs to the report: `line`..`endLine` is the whole report. */
  endLine: number;
  time: number | null;
  /** The function the title names, when the format gives one. */
  function: string | null;
  /** `file:line` the report names, when it does. */
  location: string | null;
  /**
   * The guilty source file for routing to maintainers: the first file the report names
   * that is not a header, a library or core plumbing; null when it names none.
   */
  file: string | null;
  /** Groups reports of one bug across boots: `kind:title` with varying numbers normalised. */
  signature: string;
  /** True when the report ended the boot (a panic, or an oops that killed init). */
  fatal: boolean;
  /** Call trace, innermost first. */
  frames: StackFrame[];
  /** The report's lines as text, bounded. */
  report: string[];
  /** True when the report's header was missing or mangled. */
  corrupted?: boolean;
}

export interface Initcall {
  fn: string;
  usecs: number;
  ret: number;
  line: number;
  /** Kernel time the call started (the `calling` line), else the return line's time. */
  time: number | null;
  module?: string | null;
}

export interface Diagnosis {
  /** Full option name: `CONFIG_BINFMT_SCRIPT`. */
  option: string;
  reason: string;
  /** Evidence: the line that suggests this option. */
  line: number;
  /** Id of the knowledge-table entry that made this suggestion. */
  rule: string;
  /** 0..1: how sure the table is that this option fixes the symptom. */
  confidence: number;
  /** The evidence line's text. */
  evidence: string;
}

export interface KernelInfo {
  version: string | null;
  cmdline: string | null;
  /** Full `Linux version ...` banner. */
  banner?: string | null;
  /** Word size when the log gives it away (HIGHMEM/LOWMEM lines mean a 32-bit x86 kernel). */
  bits?: 32 | 64 | null;
}

export interface PanicInfo {
  reason: string;
  line: number;
  time?: number | null;
}

export interface ParseStats {
  lines: number;
  bytes: number;
  byClass: Record<LineClass, number>;
  /** Lines longer than the parser keeps; their tail was not examined. */
  truncatedLines: number;
  /** Events not kept in memory once the per-kind cap was reached (they were still emitted). */
  droppedEvents: number;
  /** Times the kernel banner reappeared: a reboot inside one log. */
  reboots: number;
}

export interface ParseResult {
  kernel: KernelInfo;
  outcome: Outcome;
  milestones: Milestones;
  panic: PanicInfo | null;
  crashes: Crash[];
  events: BootEvent[];
  initcalls: Initcall[];
  diagnosis: Diagnosis[];
  /** The furthest stage the log reached. */
  lastStage: BootStage;
  stats: ParseStats;
}

/** What the incremental parser reports for each input line as it completes. */
export interface LineUpdate {
  line: number;
  time: number | null;
  cls: LineClass;
  /** The line as text: ANSI and control characters removed, bounded in length. */
  text: string;
  level: LogLevel | null;
  events: BootEvent[];
  /** A crash report that just closed. */
  crash?: Crash;
  initcall?: Initcall;
}

/** Context a runner knows and a log does not tell; makes diagnosis sharper. */
export interface ParserContext {
  /** The initramfs /init is a script (`#!`), so -2/-8 point at BINFMT_SCRIPT first. */
  initIsScript?: boolean;
  /** The kernel is 32-bit (no CONFIG_64BIT) while userspace is 64-bit. */
  kernelBits?: 32 | 64;
  /** The kernel command line the runner passed. */
  cmdline?: string;
  /**
   * The runner's completion markers: the boot's outcome is the one it had when the first
   * marker was printed. What follows (init exiting into a panic, a shutdown) is still read
   * and recorded, but a verdict that depended on how fast the runner killed QEMU would flip
   * between runs of the same kernel.
   */
  markers?: string[];
}

export interface ParserOptions {
  context?: ParserContext;
  /** Longest line examined, in characters; the rest is counted, not parsed. */
  maxLineLength?: number;
  /** Cap on events kept in the result per kind (the rest is still emitted to listeners). */
  maxEventsPerKind?: number;
  /** Cap on crash reports kept. */
  maxCrashes?: number;
  /** Cap on report lines kept per crash. */
  maxReportLines?: number;
}
