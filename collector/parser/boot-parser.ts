/**
 * The incremental boot-log parser: consumes console bytes as they arrive (a live serial
 * stream, or a whole file in one push) and keeps the boot's state — milestones, init
 * attempts, probes, crashes, initcalls — producing the `parse --json` object on demand.
 * Memory stays bounded on a stream of any length: per-kind caps on what is kept.
 */
import type {
  Arch,
  BootEvent,
  BootStage,
  Crash,
  Initcall,
  KernelInfo,
  LineClass,
  LineUpdate,
  LogLevel,
  MilestoneName,
  Milestones,
  Outcome,
  PanicInfo,
  ParseResult,
  ParserContext,
  ParserOptions,
} from '../../common/types/parse.ts';
import { ArchDetector } from './arch.ts';
import { classifyKernelMessage, type KernelFacts, NO_FACTS, type ProbeFact } from './classify-kernel.ts';
import { classifyUserspace } from './classify-userspace.ts';
import { junkRatio, splitCarriageReturns, stripEscapes } from './clean.ts';
import { type CrashStep, CrashTracker, isCrashHeader } from './crash-tracker.ts';
import { diagnose } from './diagnose.ts';
import { errnoName } from './errno.ts';
import { initcallBytes, readInitcallBytes } from './initcall-line.ts';
import { LineSplitter } from './line-splitter.ts';
import { LineHints } from './prefilter.ts';
import {
  type Framed,
  findGluedStamp,
  parseFrame,
  readStampBytes,
  stampBytes,
  stampedFrame,
} from './prefix.ts';
import {
  BOOT_MESSAGES,
  FIRMWARE_RE,
  HARNESS_RE,
  KERNEL_ONLY_RE,
  KERNEL_PREFIX_RE,
} from './tables/messages.ts';

const CLASS_RANK: Record<LineClass, number> = {
  empty: 0,
  junk: 1,
  firmware: 2,
  harness: 3,
  userspace: 4,
  kernel: 5,
  crash: 6,
};
const LINE_CLASSES = Object.keys(CLASS_RANK) as LineClass[];
const KERNEL_RANK = CLASS_RANK.kernel;
/** The longest kernel message read: the rest of a longer one is cut. */
const MAX_MESSAGE = 4096;
/** What the crash tracker answers for a line without a header word outside a report. */
const NOT_A_REPORT: CrashStep = Object.freeze({ consumed: false, header: false, closed: [] }) as CrashStep;
/** The events of a line without any: one frozen list for all, not an array per line. */
const NO_EVENTS = Object.freeze([]) as unknown as BootEvent[];
/** init/main.c without /dev/console (a constant: a literal in the method is a new object per call). */
const NO_CONSOLE_RE = /^Warning: unable to open an initial console/;
/** Default init programs whose -ENOENT the kernel does not report (init/main.c). */
const QUIET_INIT_LINES = 3;

interface PendingInit {
  path: string;
  line: number;
  time: number | null;
  quiet: number;
}

interface Sink {
  cls: LineClass;
  /** CLASS_RANK[cls]. */
  rank: number;
  events: BootEvent[];
  crash?: Crash;
  initcall?: Initcall;
  /** An event of this line was kept: its text is kept as evidence. */
  stored?: boolean;
}

export class BootLogParser {
  private readonly splitter: LineSplitter;
  /** The prefilter's hints for the line being read. */
  private readonly hints = new LineHints();
  private readonly factWord = () => this.hints.factWord();
  /** Where the updates of the lines being read go. */
  private updates: LineUpdate[] = [];
  /** The line being read's sink, reset per line (its events array is the update's). */
  private readonly sink: Sink = {
    cls: 'empty',
    rank: 0,
    events: NO_EVENTS,
    crash: undefined,
    initcall: undefined,
    stored: false,
  };
  private readonly crashes: CrashTracker;
  private readonly arch = new ArchDetector();
  private readonly maxLine: number;
  private readonly maxEventsPerKind: number;
  private readonly maxCrashes: number;
  private readonly context: ParserContext;
  /** The outcome when a completion marker was printed (see ParserContext.markers). */
  private markedOutcome: Outcome | null = null;

  private kernel: KernelInfo = { version: null, cmdline: null, banner: null, bits: null };
  private milestones: Milestones = {};
  private panic: PanicInfo | null = null;
  private crashList: Crash[] = [];
  private events: BootEvent[] = [];
  private eventCounts = new Map<string, number>();
  private initcalls: Initcall[] = [];
  private initcallStarts = new InitcallStarts(512);
  private evidence = new Map<number, string>();

  private kernelSeen = false;
  private firmwareSeen = false;
  private firmwareAfterKernel = false;
  /** Kernel lines carry a frame (stamp, caller id, level, wall clock): unframed text is userspace. */
  private framesSeen = false;
  /**
   * Userspace ran though the kernel never said it started init: a completion marker was
   * printed, or an orderly power-off/restart (the reboot syscall) came without a panic.
   * A `quiet` boot shows nothing else.
   */
  private userspaceProven = false;
  private lastTime: number | null = null;
  private initPending: PendingInit | null = null;
  private initStarted = false;
  private initramfsStarted = false;
  private initramfsFailed = false;
  private shutdownSeen = false;
  private probesOk = new Set<string>();
  private probesFailed = new Set<string>();
  private probeSightings = new Map<
    string,
    { driver: string; device: string; line: number; time: number | null; message: string }
  >();
  private deviceDriver = new Map<string, string>();
  private lastLineNo = 0;
  private lastLineText = '';
  private lastKernelLineNo = 0;
  /** The last kernel message: lastKernelText from lastKernelFrom (a stamped line's, sliced when asked). */
  private lastKernelText = '';
  private lastKernelFrom = 0;
  private stats = {
    lines: 0,
    bytes: 0,
    truncatedLines: 0,
    droppedEvents: 0,
    reboots: 0,
  };
  /** Lines per class, by CLASS_RANK. */
  private classCounts = LINE_CLASSES.map(() => 0);
  private ended = false;

  constructor(opts: ParserOptions = {}) {
    this.maxLine = opts.maxLineLength ?? 16 * 1024;
    this.splitter = new LineSplitter(
      {
        chunk: (text, bytes) => this.hints.chunk(text, bytes),
        line: (no, text, start, end, length, cut) => this.processLine(no, text, start, end, length, cut),
      },
      Math.max(this.maxLine * 4, 4096),
    );
    this.maxEventsPerKind = opts.maxEventsPerKind ?? 20_000;
    this.maxCrashes = opts.maxCrashes ?? 200;
    this.crashes = new CrashTracker({ maxReportLines: opts.maxReportLines ?? 300 });
    this.context = opts.context ?? {};
  }

  /** Feeds console bytes (any split); returns an update per line completed. */
  push(chunk: Uint8Array | string): LineUpdate[] {
    if (this.ended) throw new Error('BootLogParser: push() after end()');
    const updates: LineUpdate[] = [];
    this.updates = updates;
    this.splitter.push(chunk);
    this.updates = [];
    return updates;
  }

  /** Ends the input: flushes the last partial line and closes open reports. */
  end(): LineUpdate[] {
    if (this.ended) return [];
    const updates: LineUpdate[] = [];
    this.updates = updates;
    this.splitter.end();
    this.updates = [];
    this.ended = true;
    const extra: BootEvent[] = [];
    for (const c of this.crashes.flush()) this.recordCrash(c);
    this.resolveInit('ran', null, extra);
    this.flushProbeSightings(extra);
    const last = updates[updates.length - 1];
    if (extra.length && last) last.events = [...last.events, ...extra];
    else if (extra.length)
      updates.push({
        line: this.stats.lines,
        time: this.lastTime,
        cls: 'empty',
        text: '',
        level: null,
        events: extra,
      });
    return updates;
  }

  /** The `parse --json` object for what was read so far. */
  result(): ParseResult {
    const outcome = this.outcome();
    const diagnosis = diagnose({
      events: this.events,
      outcome,
      panic: this.panic,
      lastLine: { line: this.lastLineNo, text: this.lastLineText },
      lastKernelLine: {
        line: this.lastKernelLineNo,
        text: this.lastKernelText.slice(this.lastKernelFrom).trim(),
      },
      textOf: (line) => this.evidence.get(line) ?? '',
      context: {
        initramfs: this.milestones.initramfs !== undefined || this.initramfsStarted,
        rootGiven: /(?:^|\s)root=\S/.test(this.cmdline()),
        rootDevice: /(?:^|\s)root=(\S+)/.exec(this.cmdline())?.[1] ?? null,
        kernelBits: this.context.kernelBits ?? this.kernel.bits ?? undefined,
        initIsScript: this.context.initIsScript,
        arch: this.logArch() ?? this.context.arch,
      },
    });
    return {
      kernel: { ...this.kernel },
      outcome,
      milestones: { ...this.milestones },
      panic: this.panic ? { ...this.panic } : null,
      crashes: [...this.crashList],
      events: [...this.events],
      initcalls: [...this.initcalls],
      diagnosis,
      lastStage: this.lastStage(),
      stats: {
        lines: this.stats.lines,
        bytes: this.stats.bytes,
        byClass: Object.fromEntries(LINE_CLASSES.map((c, i) => [c, this.classCounts[i]])) as Record<
          LineClass,
          number
        >,
        truncatedLines: this.stats.truncatedLines,
        droppedEvents: this.stats.droppedEvents,
        reboots: this.stats.reboots,
      },
      arch: this.logArch() ?? this.context.arch ?? null,
    };
  }

  /** The architecture the log itself shows, if any. */
  private logArch(): Arch | null {
    // 32-bit x86 prints the same early lines as x86_64: only its word size tells.
    return this.arch.arch === 'x86_64' && this.kernel.bits === 32 ? null : this.arch.arch;
  }

  private cmdline(): string {
    return this.kernel.cmdline ?? this.context.cmdline ?? '';
  }

  private outcome(): Outcome {
    if (this.markedOutcome) return this.markedOutcome;
    if (!this.kernelSeen && !this.userspaceProven) return 'no_output';
    if (this.panic) return 'panic';
    if (this.initStarted || this.userspaceProven) return 'booted';
    return 'stalled';
  }

  private lastStage(): BootStage {
    if (this.shutdownSeen) return 'shutdown';
    if (this.milestones.userspace !== undefined) return 'userspace';
    if (this.initStarted) return 'init';
    if (this.milestones.console !== undefined) return 'console';
    if (this.kernelSeen) return 'kernel';
    if (this.firmwareSeen) return 'firmware';
    return 'no_output';
  }

  /** Reads one line into its update (start, end: where it lies in the chunk the hints scan). */
  private processLine(
    no: number,
    line: string,
    start: number,
    end: number,
    length: number,
    cut: boolean,
  ): void {
    this.stats.lines++;
    this.stats.bytes += length + 1;
    const hints = this.hints;
    // A line of an ASCII chunk with a plain stamp has it read from the bytes; a whole
    // initcall_debug line after it (no control byte: every byte one its pattern names) is
    // read from them entirely when nothing else can concern it, with no scan of its words.
    const ascii = hints.ascii;
    let from = -1;
    if (ascii !== null && !cut && line.length <= this.maxLine) {
      from = readStampBytes(ascii, start, end);
      if (
        from >= 0 &&
        line.length <= MAX_MESSAGE &&
        this.arch.arch !== null &&
        this.initPending === null &&
        !this.crashes.inReport
      ) {
        const kind = readInitcallBytes(ascii, from, end);
        if (kind !== 0) {
          this.stampedInitcall(no, line, start, from, kind);
          return;
        }
      }
    }
    hints.line(start, end);
    let text = line;
    if (hints.escapes) text = stripEscapes(text);
    if (cut || text.length > this.maxLine) {
      this.stats.truncatedLines++;
      text = text.slice(0, this.maxLine);
    }
    const framed =
      from >= 0 && !hints.escapes && !hints.cr ? stampedFrame(line, from - start, stampBytes.time) : null;
    const sink = this.sink;
    sink.cls = 'empty';
    sink.rank = 0;
    sink.events = NO_EVENTS;
    sink.crash = undefined;
    sink.initcall = undefined;
    sink.stored = false;
    let level: LogLevel | null = null;
    let time: number | null = null;
    const hasCr = hints.cr && text.includes('\r');
    if (hasCr) {
      for (const piece of splitCarriageReturns(text)) {
        if (isBlank(piece)) continue;
        const f = this.handlePiece(piece, no, sink);
        if (f && time === null) {
          time = f.time;
          level = f.level;
        }
      }
    } else if (framed !== null || !isBlank(text)) {
      const f = this.handlePiece(text, no, sink, framed);
      if (f) {
        time = f.time;
        level = f.level;
      }
    }
    this.classCounts[sink.rank]++;
    const display = trimEnd(hasCr ? text.replace(/\r/g, ' ') : text);
    if (sink.cls !== 'empty') {
      this.lastLineNo = no;
      this.lastLineText = display;
    }
    if (sink.stored || sink.crash) this.evidence.set(no, display);
    this.updates.push({
      line: no,
      time,
      cls: sink.cls,
      text: display,
      level,
      events: sink.events,
      crash: sink.crash,
      initcall: sink.initcall,
    });
  }

  /**
   * A stamped line of an ASCII chunk from `start`, clean and short, whose message (from
   * `from`) readInitcallBytes read as `kind`, outside a report, with the architecture known
   * and no init pending: what handlePiece and handleKernel would do with it, without making
   * its message (fast-paths.test.ts and the corpus golden test check both paths agree).
   */
  private stampedInitcall(no: number, line: string, start: number, from: number, kind: 1 | 2): void {
    const r = initcallBytes;
    const time = stampBytes.time;
    this.kernelSeen = true;
    this.lastTime = time;
    this.framesSeen = true;
    this.lastKernelLineNo = no;
    this.lastKernelText = line;
    this.lastKernelFrom = from - start;
    const fn = line.slice(r.fnStart - start, r.fnEnd - start);
    let initcall: Initcall | undefined;
    if (kind === 2) this.initcallStarts.start(fn, time, no);
    else {
      const started = this.initcallStarts.takeTime(fn);
      const module = r.moduleStart < 0 ? null : line.slice(r.moduleStart - start, r.moduleEnd - start);
      initcall = this.initcall(fn, r.usecs, r.ret, no, started ?? time, module);
    }
    this.classCounts[KERNEL_RANK]++;
    // It ends in `usecs` or a digit: trimEnd would leave it as it is.
    this.lastLineNo = no;
    this.lastLineText = line;
    this.updates.push({
      line: no,
      time,
      cls: 'kernel',
      text: line,
      level: null,
      events: NO_EVENTS,
      crash: undefined,
      initcall,
    });
  }

  /**
   * An initcall's timing for its line's update, kept in the result while there is room.
   * The two are made at two places in the code on purpose: V8 decides per place whether
   * objects are made straight in the old generation, and the kept ones (all of a log's
   * first initcalls) would otherwise make it so for the many that die with their update,
   * which slowed whole parses by half, at random.
   */
  private initcall(
    fn: string,
    usecs: number,
    ret: number,
    line: number,
    time: number | null,
    module: string | null,
  ): Initcall {
    if (this.initcalls.length >= this.maxEventsPerKind) return { fn, usecs, ret, line, time, module };
    const kept: Initcall = { fn, usecs, ret, line, time, module };
    this.initcalls.push(kept);
    return kept;
  }

  /** One CR-separated piece of a line: kernel record(s), or unframed text. */
  private handlePiece(piece: string, line: number, sink: Sink, framed: Framed | null = null): Framed | null {
    const f = framed ?? parseFrame(piece);
    if (!f.kernel) {
      this.handleUnframed(f.message, line, sink);
      return null;
    }
    if (f.leading !== '' && f.leading.trim()) this.handleUnframed(f.leading, line, sink);
    // Two records glued on one line (an interrupted continuation): read both.
    const glued = findGluedStamp(f.message);
    if (glued > 0) {
      // A copy of its own: parseFrame's answer is reused by the second record's call.
      const first = { ...f, message: f.message.slice(0, glued) };
      const second = f.message.slice(glued);
      this.handleKernel(first, line, sink);
      this.handlePiece(second, line, sink);
      return first;
    }
    this.handleKernel(f, line, sink);
    return f;
  }

  private raise(sink: Sink, cls: LineClass): void {
    const rank = CLASS_RANK[cls];
    if (rank > sink.rank) {
      sink.rank = rank;
      sink.cls = cls;
    }
  }

  /** The line's events, as a list of its own to add to. */
  private eventsOf(sink: Sink): BootEvent[] {
    if (sink.events === NO_EVENTS) sink.events = [];
    return sink.events;
  }

  private emit(sink: Sink, ev: BootEvent): void {
    this.eventsOf(sink).push(ev);
    const n = this.eventCounts.get(ev.kind) ?? 0;
    if (n >= this.maxEventsPerKind) {
      this.stats.droppedEvents++;
      return;
    }
    this.eventCounts.set(ev.kind, n + 1);
    this.events.push(ev);
    sink.stored = true;
  }

  private milestone(name: MilestoneName, time: number | null, line: number, sink: Sink): void {
    if (name in this.milestones) return;
    this.milestones[name] = time;
    this.emit(sink, { kind: 'milestone', name, line, time });
  }

  private recordCrash(c: Crash, sink?: Sink): void {
    // A boot-ending panic makes the report before it fatal too (Fatal exception, kill init).
    if (c.kind === 'panic') {
      const prev = this.crashList[this.crashList.length - 1];
      if (
        prev &&
        prev.kind !== 'panic' &&
        /Fatal exception|Attempted to kill init|panic_on_warn|Oops/.test(c.title)
      )
        prev.fatal = true;
    }
    if (this.crashList.length < this.maxCrashes) this.crashList.push(c);
    if (sink) sink.crash = c;
  }

  private handleKernel(f: Framed, line: number, sink: Sink): void {
    this.kernelSeen = true;
    if (f.time !== null) this.lastTime = f.time;
    if (f.time !== null || f.caller !== null || f.wall !== null || f.level !== null) this.framesSeen = true;
    const time = f.time;
    const msg = f.message.length > MAX_MESSAGE ? f.message.slice(0, MAX_MESSAGE) : f.message;
    if (!isBlank(msg)) {
      this.lastKernelLineNo = line;
      this.lastKernelText = msg;
      this.lastKernelFrom = 0;
    }

    if (this.arch.arch === null) this.arch.see(msg);
    // Outside a report only a header word can concern the tracker (its own first test).
    const step =
      this.crashes.inReport || this.hints.crashWord()
        ? this.crashes.feed(msg, line, time, f.caller)
        : NOT_A_REPORT;
    for (const c of step.closed) this.recordCrash(c, sink);
    if (step.consumed) {
      this.raise(sink, 'crash');
      if (!step.header) return;
    } else this.raise(sink, 'kernel');

    const facts = classifyKernelMessage(msg, this.factWord);
    if (this.initPending && !facts.initRun && !facts.initFailed && !facts.panicReason) {
      if (facts.initRunDetail || BOOT_MESSAGES.initRunDetail.test(msg)) return;
      if (++this.initPending.quiet >= QUIET_INIT_LINES) this.resolveInit('ran', null, this.eventsOf(sink));
    }
    // Most lines state nothing; only an err-level prefix can still make them an event.
    if (facts === NO_FACTS && (f.level === null || f.level > 3)) return;
    this.applyKernelFacts(facts, msg, line, time, f.level, sink);
  }

  private applyKernelFacts(
    facts: KernelFacts,
    msg: string,
    line: number,
    time: number | null,
    level: LogLevel | null,
    sink: Sink,
  ): void {
    const before = sink.events.length;
    if (facts.banner) {
      // A banner again is a reboot only after the boot ended (panic, reboot line, firmware);
      // otherwise it is a replay, like `dmesg` run from userspace printing the ring buffer.
      if (this.milestones.kernel_start !== undefined) {
        if (this.panic || this.shutdownSeen || this.firmwareAfterKernel) this.stats.reboots++;
      } else {
        this.kernel.version = facts.banner;
        this.kernel.banner = msg.trim();
        this.milestone('kernel_start', time, line, sink);
      }
    }
    if (facts.cmdline && (facts.cmdline.final || this.kernel.cmdline === null))
      this.kernel.cmdline = facts.cmdline.value;
    if (facts.console) this.milestone('console', time, line, sink);
    if (facts.bits32) this.kernel.bits = 32;
    if (facts.initramfsStart) this.initramfsStarted = true;
    if (facts.initramfsFailed !== undefined) this.initramfsFailed = true;
    if (facts.initramfsDone && !this.initramfsFailed) this.milestone('initramfs', time, line, sink);
    if (facts.rootMounted) this.milestone('root_mounted', time, line, sink);
    if (facts.shutdown) {
      this.resolveInit('ran', null, this.eventsOf(sink));
      if (!this.panic) this.userspaceProven = true;
      this.shutdownSeen = true;
      this.milestone('shutdown', time, line, sink);
    }
    if (facts.panicReason !== undefined && !this.panic) {
      this.panic = { reason: facts.panicReason, line, time };
      // A diagnosis that rests on the panic cites it, stored as an event or not.
      if (!this.evidence.has(line)) this.evidence.set(line, msg.trim());
      if (facts.initKilled) this.resolveInit('ran', null, this.eventsOf(sink));
    }
    if (facts.initRun) {
      this.resolveInit('implied', null, this.eventsOf(sink));
      this.initPending = { path: facts.initRun, line, time, quiet: 0 };
    }
    if (facts.initFailed) {
      const p = this.initPending;
      if (p && p.path === facts.initFailed.path)
        this.resolveInit('failed', { ...facts.initFailed, line, time, msg }, this.eventsOf(sink));
      else
        this.pushInitEvent(
          this.eventsOf(sink),
          facts.initFailed.path,
          facts.initFailed.errno,
          line,
          time,
          msg,
          false,
        );
    }
    if (facts.noWorkingInit) this.resolveInit('implied', null, this.eventsOf(sink));
    if (facts.initcallStart) this.initcallStarts.start(facts.initcallStart.fn, time, line);
    if (facts.initcallDone) {
      const d = facts.initcallDone;
      const started = this.initcallStarts.takeTime(d.fn);
      sink.initcall = this.initcall(d.fn, d.usecs, d.ret, line, started ?? time, d.module);
    }
    if (facts.probe) this.applyProbe(facts.probe, msg, line, time, sink);
    if (facts.mount) {
      const m = facts.mount;
      this.emit(sink, {
        kind: 'mount_failed',
        line,
        time,
        ...m,
        errnoName: m.errno === null ? null : errnoName(m.errno),
        message: msg.trim(),
      });
    }
    if (facts.missingConfig)
      for (const option of facts.missingConfig)
        this.emit(sink, { kind: 'missing_config', line, time, option, message: msg.trim() });
    if (facts.errno) {
      this.emit(sink, {
        kind: 'error',
        line,
        time,
        errno: facts.errno.errno,
        errnoName: facts.errno.name,
        message: msg.trim(),
        source: 'kernel',
        level,
      });
    }
    const quiet = sink.events.length === before;
    if (quiet && !facts.initcallDone && !facts.initcallStart && this.isKernelError(msg, level, facts)) {
      this.emit(sink, { kind: 'kernel_error', line, time, message: msg.trim(), level });
    }
  }

  private isKernelError(msg: string, level: LogLevel | null, facts: KernelFacts): boolean {
    if (facts.initramfsFailed !== undefined) return true;
    if (NO_CONSOLE_RE.test(msg)) return true;
    if (level !== null) return level <= 3;
    const t = msg.trim();
    return BOOT_MESSAGES.failureWords.test(t) && !BOOT_MESSAGES.benignFailure.test(t) && !facts.probe;
  }

  private applyProbe(p: ProbeFact, msg: string, line: number, time: number | null, sink: Sink): void {
    const driver = p.driver ?? this.deviceDriver.get(p.device) ?? null;
    if (p.driver && p.ok !== false && this.deviceDriver.size < 5000)
      this.deviceDriver.set(p.device, p.driver);
    if (p.timing && (p.errno === -19 || p.errno === -6 || p.errno === -517)) {
      this.probeSightings.delete(`${driver}\u0000${p.device}`);
      return;
    }
    if (!driver) return;
    const key = `${driver}\u0000${p.device}`;
    if (p.ok === null) {
      const done = this.probesOk.has(key) || this.probesFailed.has(key);
      if (!done && !this.shutdownSeen && !this.probeSightings.has(key) && this.probeSightings.size < 5000)
        this.probeSightings.set(key, { driver, device: p.device, line, time, message: msg.trim() });
      return;
    }
    this.probeSightings.delete(key);
    if (p.ok && this.probesOk.has(key)) return;
    if (!p.ok && this.probesFailed.has(key)) return;
    (p.ok ? this.probesOk : this.probesFailed).add(key);
    this.emit(sink, {
      kind: 'probe',
      line,
      time,
      driver,
      device: p.device,
      ok: p.ok,
      ...(p.ok ? {} : { errno: p.errno, errnoName: p.errno === undefined ? null : errnoName(p.errno) }),
      ...(p.usecs !== undefined ? { usecs: p.usecs } : {}),
      message: msg.trim(),
    });
  }

  /** Drivers that spoke about a device and never failed it are taken as bound. */
  private flushProbeSightings(events: BootEvent[]): void {
    for (const [key, s] of this.probeSightings) {
      if (this.probesFailed.has(key) || this.probesOk.has(key)) continue;
      this.probesOk.add(key);
      const ev: BootEvent = {
        kind: 'probe',
        line: s.line,
        time: s.time,
        driver: s.driver,
        device: s.device,
        ok: true,
        message: s.message,
      };
      this.emit({ cls: 'empty', rank: 0, events }, ev);
      this.evidence.set(s.line, s.message);
    }
    this.probeSightings.clear();
  }

  private pushInitEvent(
    events: BootEvent[],
    path: string,
    errno: number | null,
    line: number,
    time: number | null,
    message: string,
    implied: boolean,
  ): void {
    const ev: BootEvent = {
      kind: 'init_exec',
      line,
      time,
      path,
      errno,
      errnoName: errno === null ? null : errnoName(errno),
      ...(implied ? { implied: true } : {}),
      message: message.trim(),
    };
    this.emit({ cls: 'empty', rank: 0, events }, ev);
    this.evidence.set(line, message.trim());
  }

  /**
   * Settles the pending "Run X as init process": it ran (anything else happened), failed
   * with the errno the kernel printed, or failed silently with -ENOENT (the kernel moved on).
   */
  private resolveInit(
    how: 'ran' | 'failed' | 'implied',
    failure: { errno: number; line: number; time: number | null; msg: string } | null,
    events: BootEvent[],
  ): void {
    const p = this.initPending;
    if (!p) return;
    this.initPending = null;
    if (how === 'failed' && failure) {
      this.pushInitEvent(events, p.path, failure.errno, failure.line, failure.time, failure.msg, false);
      return;
    }
    if (how === 'implied') {
      this.pushInitEvent(events, p.path, -2, p.line, p.time, `Run ${p.path} as init process`, true);
      return;
    }
    this.pushInitEvent(events, p.path, null, p.line, p.time, `Run ${p.path} as init process`, false);
    this.initStarted = true;
    this.milestone('init_start', p.time, p.line, { cls: 'empty', rank: 0, events });
    this.flushProbeSightings(events);
  }

  private looksLikeKernel(text: string): boolean {
    const t = text.trimStart();
    // Inside a report, only what the report would keep is the kernel's.
    if (this.crashes.inReport && this.crashes.wouldKeep(text)) return true;
    const M = BOOT_MESSAGES;
    const known = M.shutdown.test(t) || M.banner.test(t) || isCrashHeader(t);
    if (this.framesSeen) return known;
    // Without PRINTK_TIME every line looks alike: before init runs they are the kernel's.
    if (!this.initStarted && !this.initPending) return true;
    if (known || KERNEL_ONLY_RE.test(t) || KERNEL_PREFIX_RE.test(t)) return true;
    return this.initPending !== null && /^\s/.test(text) && M.initRunDetail.test(text);
  }

  /** Before the kernel's first line: firmware, unless the line is one only a kernel prints. */
  private handleBeforeKernel(text: string, t: string, line: number, sink: Sink): void {
    if (junkRatio(t) > 0.3) {
      this.raise(sink, 'junk');
      return;
    }
    // The banner glued to firmware output (SeaBIOS' `Booting from ROM..` has no newline).
    const banner = t.indexOf('Linux version ');
    if (banner >= 0 && BOOT_MESSAGES.banner.test(t.slice(banner))) {
      if (banner > 0) this.raise(sink, 'firmware');
      this.handleKernel(parseFrameless(t.slice(banner)), line, sink);
      return;
    }
    if (!this.kernelSeen && !FIRMWARE_RE.test(t) && (KERNEL_ONLY_RE.test(t) || isCrashHeader(t))) {
      this.handleKernel(parseFrameless(text), line, sink);
      return;
    }
    this.firmwareSeen = true;
    if (this.kernelSeen) this.firmwareAfterKernel = true;
    else this.noteMarker(t);
    this.raise(sink, 'firmware');
  }

  /** A completion marker is userspace speaking: the boot's verdict is the one it has now. */
  private noteMarker(t: string): void {
    if (this.markedOutcome || !this.context.markers?.some((m) => m && t.includes(m))) return;
    this.userspaceProven = true;
    this.markedOutcome = this.outcome();
  }

  private handleUnframed(text: string, line: number, sink: Sink): void {
    const t = text.trim();
    if (HARNESS_RE.test(t)) {
      this.raise(sink, 'harness');
      return;
    }
    if (!this.kernelSeen || FIRMWARE_RE.test(t)) {
      this.handleBeforeKernel(text, t, line, sink);
      return;
    }
    if (this.looksLikeKernel(text)) {
      this.handleKernel(parseFrameless(text), line, sink);
      return;
    }
    if (junkRatio(t) > 0.3) {
      this.raise(sink, 'junk');
      return;
    }
    this.raise(sink, 'userspace');
    // Without frames, a line the open report would not keep ends it, as a kernel line would.
    if (!this.framesSeen && this.crashes.inReport)
      for (const c of this.crashes.flush()) this.recordCrash(c, sink);
    if (this.initPending) this.resolveInit('ran', null, this.eventsOf(sink));
    const time = this.lastTime;
    if (this.initStarted) this.milestone('userspace', time, line, sink);
    this.noteMarker(t);
    const u = classifyUserspace(t);
    this.emit(sink, { kind: 'userspace', line, time: null, text: t });
    if (u.login && this.initStarted) this.milestone('login', time, line, sink);
    if (u.mount) {
      this.emit(sink, {
        kind: 'mount_failed',
        line,
        time: null,
        ...u.mount,
        errnoName: u.mount.errno === null ? null : errnoName(u.mount.errno),
        message: t,
      });
    }
    if (u.errno) {
      this.emit(sink, {
        kind: 'error',
        line,
        time: null,
        errno: u.errno.errno,
        errnoName: u.errno.name,
        message: t,
        source: 'userspace',
      });
    }
    for (const option of u.missingConfig ?? [])
      this.emit(sink, { kind: 'missing_config', line, time: null, option, message: t });
  }
}

interface InitcallStart {
  time: number | null;
  line: number;
}

/**
 * Initcalls started and not yet returned, at most `max` (a start past that is not kept).
 * `calling X` is nearly always followed by `initcall X returned` before the next start: the
 * latest start waits in a slot of its own, and the map sees only the nested or unfinished.
 */
class InitcallStarts {
  private readonly others = new Map<string, InitcallStart>();
  private lastFn: string | null = null;
  /** The latest start's time and line, held as numbers: no object per `calling` line. */
  private lastTime: number | null = null;
  private lastLine = 0;
  private readonly max: number;

  constructor(max: number) {
    this.max = max;
  }

  start(fn: string, time: number | null, line: number): void {
    if (this.others.size + (this.lastFn === null ? 0 : 1) >= this.max) return;
    // The map is nearly always empty: asking it hashes the name, a tenth of an initcall line.
    if (fn !== this.lastFn && this.others.size > 0 && this.others.has(fn)) {
      this.others.set(fn, { time, line });
      return;
    }
    // A new function takes the slot; the one there waits in the map.
    if (fn !== this.lastFn && this.lastFn !== null)
      this.others.set(this.lastFn, { time: this.lastTime, line: this.lastLine });
    this.lastFn = fn;
    this.lastTime = time;
    this.lastLine = line;
  }

  /** When `fn` started (null: no start of it, or one without a time), forgotten. */
  takeTime(fn: string): number | null {
    if (fn === this.lastFn) {
      const time = this.lastTime;
      this.lastFn = null;
      this.lastTime = null;
      return time;
    }
    if (this.others.size === 0) return null;
    const s = this.others.get(fn);
    this.others.delete(fn);
    return s?.time ?? null;
  }
}

/** String.prototype.trimEnd, without a call for the common line ending in a printable. */
function trimEnd(text: string): string {
  const c = text.charCodeAt(text.length - 1);
  return c > 0x20 && c < 0x7f ? text : text.trimEnd();
}

/** Whitespace only (String.prototype.trim's notion), read without trimming the common line. */
function isBlank(text: string): boolean {
  const c = text.charCodeAt(0);
  if (c > 0x20 && c < 0x7f) return false;
  return text.trim() === '';
}

function parseFrameless(message: string): Framed {
  return { kernel: true, time: null, level: null, caller: null, wall: null, leading: '', message };
}
