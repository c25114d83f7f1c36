/**
 * What the parser makes of a console log: the `parse --json` object of CONTRACT.md and
 * its parts. The shapes are the TypeBox schemas of common/schemas/parse.ts (the one source
 * of truth shared by the parser, the storage, the HTTP API, the runners and the dashboard);
 * this module names their types and holds the parser's own options.
 */
import type { Arch } from '../arch.ts';
import type { BootEvent, Crash, Initcall, LineClass, LogLevel } from '../schemas/parse.ts';

export type { Arch } from '../arch.ts';
export type {
  BootEvent,
  BootStage,
  Crash,
  CrashKind,
  Diagnosis,
  Initcall,
  KernelInfo,
  LineClass,
  LogLevel,
  Milestones,
  Outcome,
  PanicInfo,
  ParseResult,
  StackFrame,
} from '../schemas/parse.ts';

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

export type EventKind = BootEvent['kind'];

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
  /** The guest architecture the runner booted: the diagnosis' options when the log is silent. */
  arch?: Arch;
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
