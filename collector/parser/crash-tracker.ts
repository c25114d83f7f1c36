/**
 * Follows crash reports across lines: opens one at a header from the crash table, keeps
 * the lines that belong to it (frames, registers, report furniture), and closes it with a
 * syzbot-style title once the report is over.
 */
import type { Crash } from '../../common/types/parse.ts';
import {
  crashSignature,
  filesIn,
  guiltyFile,
  guiltyFunction,
  type ReportFacts,
  renderTitle,
} from './crash-title.ts';
import { demangle } from './demangle.ts';
import { byFirstChar } from './first-char.ts';
import { reportCut, StackWitness } from './report-integrity.ts';
import { sanitizeTitle } from './sanitize-title.ts';
import {
  CRASH_FORMATS,
  type CrashFormat,
  CUT_HERE_RE,
  END_TRACE_RE,
  EQUALS_RE,
  INLINE_HEADER_RE,
  OOM_LINE_RES,
  REPORT_LINE_RES,
} from './tables/crashes.ts';

const FRAME_RE =
  /^\s*(?:<(?:IRQ|EOI|NMI|TASK)>\s+)?(?:\[<?[0-9a-f]+>?\]\s*){0,2}(\?\s+)?([A-Za-z0-9_.$]+)\+(0x[0-9a-f]+)\/0x[0-9a-f]+(?:\s+\[([\w-]+)\])?/;
const DECODED_FRAME_RE = /^\s+(\?\s+)?([A-Za-z0-9_.$]+) \((\S+:\d+(?::\d+)?)\)/;
// arm32 unwinder: `[<80c1e5e8>] (__schedule) from [<80c1eb20>] (schedule+0x60/0xdc)`. syzkaller
// reads each line as its caller (`schedule`), and only when the callee's name is plain.
const ARM_FRAME_RE = /^\s*\[<[0-9a-f]+>\] \(([^)]*)\) from \[<[0-9a-f]+>\] \(([A-Za-z0-9_.$]+)/;
const PLAIN_NAME_RE = /^[A-Za-z0-9_]+$/;
// x86 `RIP: 0010:f+0x1/0x2`, old `RIP: 0010:[<addr>]  [<addr>] f+0x..`, `EIP: [<addr>] f+0x..`,
// arm64 `pc : f+0x..`, riscv64 `epc : f+0x..`.
const RIP_RE =
  /^\s*(?:RIP|EIP|IP|NIP|pc|epc)\s*:\s*(?:[0-9a-f]{4}:)?(?:\[<?[0-9a-f]+>?\]\s*){0,2}([A-Za-z0-9_.$]+)\+0x[0-9a-f]+/;
// Older arm and 32-bit x86 `PC is at f+0x..`, `EIP is at f+0x..`; powerpc's trap site.
const PC_IS_AT_RE = /^(?:(?:PC|EIP|RIP|NIP) is at|--- interrupt: \d+ at) ([A-Za-z0-9_.$]+)\+0x/;
const LR_RE = /^\s*(?:lr\s*:|ra\s*:|LR is at|LR =)\s*(?:\[<?[0-9a-f]+>?\]\s*)?([A-Za-z0-9_.$]+)\+0x/;
const LOCK_AT_RE = /, at: (?:\[<[0-9a-f]+>\]\s+)?([A-Za-z0-9_.$]+)\+0x/;
// Lockdep's `... is trying to release lock (x) at:` puts the function on the next line.
const PC_LINE_RE = /^\s*\[<[0-9a-f]+>\]\s+([A-Za-z0-9_.$]+)[+ ]/;
// A source file as printed (`./include/linux/kvm_host.h:536`), for titles that name it.
const RAW_SRC_RE = /([A-Za-z0-9_\-./]*[A-Za-z0-9_-]+\.[ch]):\d+/;
const STALL_IRQ_RE = /apic_timer_interrupt\+0x|el1h_64_irq\+0x|Exception stack/;
const IRQ_STATE_LINE_RE = /(?:hardirqs|softirqs)\s+last\s+(?:enabled|disabled)|^Register r\d+ information/;
const LAST_FUNCTION_RE = /^\s*last function: ([A-Za-z0-9_.$]+)/;
const WORKQUEUE_RE = /^Workqueue: \S+ ([A-Za-z0-9_.$]+)/;
// kmemleak prints `backtrace (crc 1a2b3c4d):` since 6.7.
const TRACE_START_RE =
  /^\s*(?:Call Trace|Call trace|stack backtrace|Backtrace|backtrace(?: \(crc [0-9a-f]*\))?):/;
const KASAN_ACCESS_RE = /^(Read|Write) (?:of size|at addr)/;
// Messages that print a stack of their own but report no bug: the report before them is over.
const INFO_WITH_STACK_RE =
  /^(?:vmalloc: allocation failure:|FAULT_INJECTION: forcing a failure|FAULT_FLAG_ALLOW_RETRY missing)/;

/**
 * Words every crash header contains (kept in step with CRASH_FORMATS and CUT_HERE_RE); the
 * parser's prefilter scans chunks for them, so a line without one skips the tracker.
 */
export const HEADER_HINT =
  /BUG|WARNING|panic|cut here|fault|opcode|divide|UBSAN|KASAN|KFENCE|KCSAN|KMSAN|INFO:|lockup|LOCKUP|Oops|Internal error|PANIC|oom-killer|Out of memory|Unable to handle|stack segment|unreferenced object|Unhandled fault|Alignment trap|unregister_netdevice|file count is 0|Busy inodes|blocked for more than|int3/;
const STACK_LINE_RE = /\+0x[0-9a-f]+\/0x|\[<[0-9a-f]+>\]/;
// x86 register dump lines (`RSP: 0018:...`, `R13: ...`, `CR2: ...`): the trace follows them.
const REGISTER_LINE_RE = /^\s*(?:R[A-Z0-9]{1,2}|[CDEFG]S|CR\d|DR\d): /;
/** Other messages tolerated inside a call trace before the report is taken as over. */
const MAX_FOREIGN = 3;
const NOTHING: CrashStep = Object.freeze({ consumed: false, header: false, closed: [] }) as CrashStep;

/** A crash still being read. */
interface OpenCrash extends Omit<ReportFacts, 'match'> {
  format: CrashFormat | null;
  match: RegExpExecArray | null;
  startLine: number;
  endLine: number;
  time: number | null;
  report: string[];
  reportLines: number;
  /** Lines after `cut here` that came before the header (the WARN's own text). */
  preamble: number;
  bracketClosed: boolean;
  /** Line of the header proper (after `cut here` and a WARN's own text). */
  headerLine: number;
  /** A `Call Trace:`/`stack backtrace:` was seen: free-form lockdep text is over. */
  sawTrace: boolean;
  /** The last line kept was a stack frame. */
  inStack: boolean;
  /** Lines of other sources seen since then (see MAX_FOREIGN). */
  foreign: number;
  /** The header's printk caller id, when the log has them. */
  caller: string | null;
  /** `Sending NMI from CPU n`: other CPUs' backtraces follow and belong to the report. */
  nmiTrace: boolean;
  /** How many files were named before the timer interrupt's frame (-1: none yet). */
  irqFilesAt: number;
  /** Whether the report printed a whole stack (all its lines, not only those kept). */
  stack: StackWitness;
}

export interface CrashTrackerOptions {
  maxReportLines: number;
}

export interface CrashStep {
  /** The line belongs to a crash report (header or body). */
  consumed: boolean;
  /** The line is the header of a report that just opened. */
  header: boolean;
  /** A report that closed: before this line (when not consumed) or with it. */
  closed: Crash[];
}

/**
 * CRASH_FORMATS by a message's first character, in table order: a message meets only the
 * headers that can match it, not the whole table (most are `^` and a word).
 */
const FORMATS = byFirstChar(CRASH_FORMATS, (f) => f.header);

function matchFormat(message: string, insideReport: boolean): [CrashFormat, RegExpExecArray] | null {
  const c = message.charCodeAt(0);
  for (const f of c < 128 ? FORMATS.ascii[c] : FORMATS.other) {
    if (insideReport && f.continues) continue;
    const m = f.header.exec(message);
    if (m) return [f, m];
  }
  return null;
}

/** The message starts a crash report (a header from the table, or `cut here`). */
export function isCrashHeader(message: string): boolean {
  if (!HEADER_HINT.test(message)) return false;
  const t = message.trimStart();
  return CUT_HERE_RE.test(t) || matchFormat(t, false) !== null;
}

export class CrashTracker {
  /**
   * Reports being read, by printk caller id (`T12`/`C1`; null in logs without them): two
   * CPUs may print reports at once, line by line interleaved.
   */
  private readonly opens = new Map<string | null, OpenCrash>();
  /** The report closed last, when it printed no stack (see lendStack). */
  private last: { crash: Crash; format: CrashFormat; facts: ReportFacts; stack: StackWitness } | null = null;
  /** Reports closed so far: a panic after one is that report's ending. */
  private closedCount = 0;
  private readonly opts: CrashTrackerOptions;

  constructor(opts: CrashTrackerOptions) {
    this.opts = opts;
  }

  get inReport(): boolean {
    return this.opens.size > 0;
  }

  /** The report a line of `caller` continues, if any. */
  private openFor(caller: string | null): OpenCrash | undefined {
    // A line without a caller id cannot be told apart: it continues the latest report.
    if (caller === null) return this.latest();
    const own = this.opens.get(caller) ?? this.opens.get(null);
    if (own) return own;
    // All CPUs' backtraces follow `Sending NMI from CPU n`, each in its own CPU context.
    if (caller.startsWith('C')) for (const o of this.opens.values()) if (o.nmiTrace) return o;
    return undefined;
  }

  private latest(): OpenCrash | undefined {
    let last: OpenCrash | undefined;
    for (const o of this.opens.values()) if (!last || o.startLine > last.startLine) last = o;
    return last;
  }

  /**
   * Whether the open report would keep this message: in a log without stamps, a line
   * that continues a report is the kernel's, any other is left to userspace.
   */
  wouldKeep(message: string): boolean {
    const open = this.latest();
    if (!open) return false;
    const trimmed = message.trimStart();
    if (!open.format) return open.preamble < 4 || matchFormat(trimmed, false) !== null;
    return this.belongs(open, message, trimmed);
  }

  /**
   * Feeds one kernel message (frame removed). `caller` is its CONFIG_PRINTK_CALLER id
   * (`T123`/`C1`): a line of another task or CPU is not part of the open report, it was
   * only printed in the middle of it.
   */
  feed(message: string, line: number, time: number | null, caller: string | null = null): CrashStep {
    // A line of another task or CPU than the open reports' can only start its own report.
    const open = this.openFor(caller);
    // Outside a report, only a line with a header word can start one.
    if (!open && !HEADER_HINT.test(message)) return NOTHING;
    const closed: Crash[] = [];
    const trimmed = message.trimStart();

    if (open?.format && INFO_WITH_STACK_RE.test(trimmed)) {
      closed.push(this.close(open));
      return { consumed: false, header: false, closed };
    }
    if (open) {
      if (!open.nmiTrace && trimmed.startsWith('Sending NMI from CPU')) open.nmiTrace = true;
      // `cut here` waits for its WARNING/BUG header; the WARN's own message may come first.
      if (!open.format) {
        const m = INLINE_HEADER_RE.test(trimmed) ? null : matchFormat(trimmed, false);
        if (m) {
          open.format = m[0];
          open.match = m[1];
          open.headerLine = line;
          this.append(open, message, line);
          return { consumed: true, header: true, closed };
        }
        if (open.preamble < 4 && trimmed && !CUT_HERE_RE.test(trimmed)) {
          open.preamble++;
          this.append(open, message, line);
          return { consumed: true, header: false, closed };
        }
      } else if (this.belongs(open, message, trimmed)) {
        open.foreign = 0;
        open.inStack =
          STACK_LINE_RE.test(message) || REGISTER_LINE_RE.test(message) || TRACE_START_RE.test(message);
        this.append(open, message, line);
        if (END_TRACE_RE.test(trimmed)) closed.push(this.close(open));
        else if (open.format.bracket === 'equals' && EQUALS_RE.test(trimmed)) {
          open.bracketClosed = true;
          closed.push(this.close(open));
        }
        return { consumed: true, header: false, closed };
      } else if (
        open.foreign < MAX_FOREIGN &&
        open.inStack &&
        !(HEADER_HINT.test(message) && matchFormat(trimmed, false))
      ) {
        // Another CPU's message printed in the middle of a call trace: the trace goes on.
        open.foreign++;
        return { consumed: false, header: false, closed };
      }
      closed.push(this.close(open));
    }

    if (open && !HEADER_HINT.test(message)) return { consumed: false, header: false, closed };
    if (CUT_HERE_RE.test(trimmed) || INLINE_HEADER_RE.test(trimmed)) {
      this.start(null, null, message, line, time, caller);
      return { consumed: true, header: true, closed };
    }
    const m = matchFormat(trimmed, false);
    if (m) {
      this.start(m[0], m[1], message, line, time, caller);
      return { consumed: true, header: true, closed };
    }
    return { consumed: false, header: false, closed };
  }

  /** Closes whatever is open (end of input). */
  flush(): Crash[] {
    return [...this.opens.values()].sort((a, b) => a.startLine - b.startLine).map((o) => this.close(o));
  }

  private belongs(open: OpenCrash, message: string, trimmed: string): boolean {
    const format = open.format!;
    if (trimmed === '') return true;
    // Before its stack only: a later `cut here` is another report's.
    if (!open.sawTrace && format.absorbs?.test(trimmed)) return true;
    // A new report interrupts this one, except for headers that continue it.
    // A new report interrupts this one (a panic after an oops is its own, boot-ending crash),
    // except trap lines such as `invalid opcode:` that x86 prints inside a BUG() report.
    const next = HEADER_HINT.test(trimmed) ? matchFormat(trimmed, false) : null;
    if (next) {
      const c = next[0].continues;
      if (c === 'before-stack') return open.frames.length === 0 && open.rips.length === 0;
      return c === true && format.kind !== 'panic';
    }
    if (format.bracket === 'equals' && !open.bracketClosed) return open.reportLines < 2000;
    if (format.bracket === 'free' && !open.sawTrace) return open.reportLines < 400;
    if (format.kind === 'oom' && OOM_LINE_RES.some((re) => re.test(trimmed))) return true;
    if (EQUALS_RE.test(trimmed)) return true;
    return REPORT_LINE_RES.some((re) => re.test(message));
  }

  private start(
    format: CrashFormat | null,
    match: RegExpExecArray | null,
    message: string,
    line: number,
    time: number | null,
    caller: string | null,
  ): void {
    const open: OpenCrash = {
      format,
      match,
      startLine: line,
      endLine: line,
      time,
      report: [],
      reportLines: 0,
      frames: [],
      rips: [],
      lr: null,
      traceAt: -1,
      allocAt: -1,
      lockAts: [],
      lastFunction: null,
      workFunction: null,
      access: null,
      files: [],
      src: null,
      nextLine: null,
      preamble: 0,
      bracketClosed: false,
      headerLine: line,
      sawTrace: false,
      caller,
      nmiTrace: false,
      irqFilesAt: -1,
      exceptionAt: -1,
      becameAt: -1,
      stack: new StackWitness(),
      inStack: false,
      foreign: 0,
    };
    this.opens.set(caller, open);
    this.append(open, message, line);
  }

  private append(open: OpenCrash, message: string, line: number): void {
    // A report's last line is text, not the blank record that may trail it.
    if (message.trim()) open.endLine = line;
    if (open.nextLine === null && open.format && line > open.headerLine && message.trim())
      open.nextLine = message.trim();
    open.reportLines++;
    if (open.report.length < this.opts.maxReportLines) open.report.push(message.slice(0, 1024));
    open.stack.feed(message);
    const trimmed = message.trimStart();
    // An RCU stall's culprit runs below the timer interrupt that reported it.
    if (open.irqFilesAt < 0 && STALL_IRQ_RE.test(message)) open.irqFilesAt = open.files.length;
    if (open.exceptionAt < 0 && trimmed.startsWith('Exception stack')) open.exceptionAt = open.frames.length;
    if (open.becameAt < 0 && trimmed.startsWith('... which became ')) open.becameAt = open.frames.length;
    // Lockdep's irq-state history names where interrupts were last switched, not the culprit.
    if (open.files.length < 32 && !IRQ_STATE_LINE_RE.test(message)) {
      const files = filesIn(message);
      if (files.length) {
        open.files.push(...files);
        if (open.src === null) open.src = RAW_SRC_RE.exec(message)?.[1] ?? null;
      }
    }
    const rip = RIP_RE.exec(message) ?? PC_IS_AT_RE.exec(trimmed);
    if (rip) {
      if (open.rips.length < 8) open.rips.push({ fn: rip[1], at: open.frames.length });
      return;
    }
    if (open.rips.length === 1 && !open.lr) {
      const lr = LR_RE.exec(message);
      if (lr) {
        open.lr = lr[1];
        return;
      }
    }
    if (open.traceAt < 0 && TRACE_START_RE.test(message)) {
      open.traceAt = open.frames.length;
      open.sawTrace = true;
      return;
    }
    if (open.allocAt < 0 && trimmed.startsWith('page last allocated')) {
      open.allocAt = open.frames.length;
      return;
    }
    if (open.lastFunction === null && trimmed.startsWith('last function:'))
      open.lastFunction = LAST_FUNCTION_RE.exec(message)?.[1] ?? null;
    if (open.workFunction === null && message.startsWith('Workqueue: '))
      open.workFunction = WORKQUEUE_RE.exec(message)?.[1] ?? null;
    const l = LOCK_AT_RE.exec(message) ?? (open.traceAt < 0 ? PC_LINE_RE.exec(message) : null);
    if (l && open.lockAts.length < 4) open.lockAts.push(l[1]);
    if (open.frames.length >= 128) return;
    const arm = ARM_FRAME_RE.exec(message);
    if (arm) {
      if (PLAIN_NAME_RE.test(arm[1]))
        open.frames.push({ fn: arm[2], module: null, reliable: true, source: null });
      return;
    }
    const f = FRAME_RE.exec(message);
    if (f) {
      // `?` (x86) and `(unreliable)` (powerpc) mark frames the unwinder guessed.
      const reliable = !f[1] && !message.endsWith('(unreliable)');
      // Rust (v0) and C++ names read as syzbot prints them.
      const fn = f[2].charCodeAt(0) === 95 && (f[2][1] === 'R' || f[2][1] === 'Z') ? demangle(f[2]) : f[2];
      open.frames.push({ fn, offset: f[3], module: f[4] ?? null, reliable, source: null });
      return;
    }
    const d = DECODED_FRAME_RE.exec(message);
    if (d) open.frames.push({ fn: d[2], module: null, reliable: !d[1], source: d[3] });
    else if (!open.access) {
      const a = KASAN_ACCESS_RE.exec(trimmed);
      if (a) open.access = a[1];
    }
  }

  private close(open: OpenCrash): Crash {
    this.opens.delete(open.caller);
    const format = open.format;
    if (!format) {
      this.closedCount++;
      const title = 'corrupted report (cut here without a header)';
      return {
        kind: 'other',
        title,
        line: open.startLine,
        endLine: open.endLine,
        time: open.time,
        function: null,
        location: null,
        file: guiltyFile(open.files),
        signature: crashSignature('other', title),
        fatal: false,
        frames: open.frames,
        report: open.report,
        corrupted: true,
      };
    }
    const facts: ReportFacts = {
      match: open.match!,
      frames: open.frames,
      rips: open.rips,
      lr: open.lr,
      traceAt: open.traceAt,
      allocAt: open.allocAt,
      exceptionAt: open.exceptionAt,
      becameAt: open.becameAt,
      lockAts: open.lockAts,
      lastFunction: open.lastFunction,
      workFunction: open.workFunction,
      access: open.access,
      files: open.files,
      src: open.src,
      nextLine: open.nextLine,
    };
    const fn = guiltyFunction(format, facts);
    const rendered = renderTitle(format, facts, fn);
    const corrupted =
      rendered.corrupted || reportCut(format, facts.match, rendered.title, open.stack, this.closedCount > 0);
    // Last, as syzkaller does: the corruption checks above read the title as printed.
    const title = sanitizeTitle(rendered.title);
    this.closedCount++;
    const loc = format.locGroup !== undefined ? (open.match![format.locGroup] ?? null) : null;
    if (format.kind === 'panic') this.lendStack(title, facts, open.stack);
    const crash: Crash = {
      kind: format.kind,
      title,
      line: open.headerLine,
      endLine: open.endLine,
      time: open.time,
      function: fn,
      location: loc,
      file: reportFile(format, open),
      signature: crashSignature(format.kind, title),
      fatal: format.fatal === true,
      frames: open.frames,
      report: open.report,
      ...(corrupted ? { corrupted: true } : {}),
    };
    this.last = stackless(facts) ? { crash, format, facts, stack: open.stack } : null;
    return crash;
  }

  /**
   * Older kernels panic for panic_on_warn inside __warn(), before the stack is printed: the
   * stack under `Kernel panic - not syncing: panic_on_warn set` is the WARNING's (or the
   * sanitizer's) just before it, which had none of its own.
   */
  private lendStack(panicTitle: string, panicFacts: ReportFacts, panicStack: StackWitness): void {
    const last = this.last;
    this.last = null;
    if (!last || !/panic_on_warn/.test(panicTitle) || stackless(panicFacts)) return;
    const facts = {
      ...last.facts,
      frames: panicFacts.frames,
      rips: panicFacts.rips,
      lr: panicFacts.lr,
      traceAt: panicFacts.traceAt,
      allocAt: -1,
      exceptionAt: panicFacts.exceptionAt,
      becameAt: -1,
    };
    const fn = guiltyFunction(last.format, facts);
    const rendered = renderTitle(last.format, facts, fn);
    const corrupted =
      rendered.corrupted ||
      reportCut(
        last.format,
        facts.match,
        rendered.title,
        last.stack.missing() ? panicStack : last.stack,
        false,
      );
    const title = sanitizeTitle(rendered.title);
    Object.assign(last.crash, {
      title,
      function: fn,
      signature: crashSignature(last.crash.kind, title),
      file: guiltyFile([...last.facts.files, ...panicFacts.files]),
      frames: panicFacts.frames,
    });
    if (corrupted) last.crash.corrupted = true;
    else delete last.crash.corrupted;
  }
}

/** The guilty file; for an RCU stall, read from the interrupted code on when it names one. */
function reportFile(format: CrashFormat, open: OpenCrash): string | null {
  const below = format.kind === 'rcu_stall' && open.irqFilesAt >= 0 ? open.files.slice(open.irqFilesAt) : [];
  return guiltyFile(below) ?? guiltyFile(open.files);
}

function stackless(facts: ReportFacts): boolean {
  return facts.frames.length === 0 && facts.rips.length === 0;
}
