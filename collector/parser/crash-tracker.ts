/**
 * Follows crash reports across lines: opens one at a header from the crash table, keeps
 * the lines that belong to it (frames, registers, report furniture), and closes it with a
 * syzbot-style title once the report is over.
 */
import type { Crash, StackFrame } from '../../common/types/parse.ts';
import {
  CRASH_FORMATS,
  type CrashFormat,
  CUT_HERE_RE,
  END_TRACE_RE,
  EQUALS_RE,
  OOM_LINE_RES,
  REPORT_LINE_RES,
} from './tables/crashes.ts';
import { baseFunctionName, HUNG_TASK_SKIP, SKIP_FRAMES, STALL_ANCHOR_FRAMES } from './tables/frames.ts';

const FRAME_RE =
  /^\s*(?:\[<?[0-9a-f]+>?\]\s*){0,2}(\?\s+)?([A-Za-z0-9_.$]+)\+(0x[0-9a-f]+)\/0x[0-9a-f]+(?:\s+\[([\w-]+)\])?/;
const DECODED_FRAME_RE = /^\s+(\?\s+)?([A-Za-z0-9_.$]+) \((\S+:\d+(?::\d+)?)\)/;
const RIP_RE =
  /^\s*(?:RIP|EIP|IP|NIP|pc)\s*:\s*(?:[0-9a-f]{4}:)?(?:\[<?[0-9a-f]+>?\]\s*)?([A-Za-z0-9_.$]+)\+0x[0-9a-f]+/;
const PC_IS_AT_RE = /^PC is at ([A-Za-z0-9_.$]+)\+0x/;
const LOCK_AT_RE = /, at: (?:\[<[0-9a-f]+>\] )?([A-Za-z0-9_.$]+)\+0x/;
const KASAN_ACCESS_RE = /^(Read|Write) (?:of size|at addr)/;
// Addresses and long hex numbers vary run to run; titles must not.
const ADDRESS_RE = /\b(?:0x)?[0-9a-f]{8,16}\b/g;

/** Words every crash header contains (kept in step with CRASH_FORMATS and CUT_HERE_RE). */
const HEADER_HINT =
  /BUG|WARNING|panic|cut here|fault|opcode|divide|UBSAN|KASAN|KFENCE|KCSAN|INFO:|lockup|LOCKUP|Oops|Internal error|PANIC|oom-killer|Out of memory|Unable to handle|stack segment/;
const NOTHING: CrashStep = Object.freeze({ consumed: false, header: false, closed: [] }) as CrashStep;

/** A crash still being read. */
interface OpenCrash {
  format: CrashFormat | null;
  match: RegExpExecArray | null;
  startLine: number;
  endLine: number;
  time: number | null;
  report: string[];
  reportLines: number;
  frames: StackFrame[];
  rip: string | null;
  lockAt: string | null;
  access: string | null;
  /** Lines after `cut here` that came before the header (the WARN's own text). */
  preamble: number;
  bracketClosed: boolean;
  /** Line of the header proper (after `cut here` and a WARN's own text). */
  headerLine: number;
  /** A `Call Trace:`/`stack backtrace:` was seen: free-form lockdep text is over. */
  sawTrace: boolean;
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

function matchFormat(message: string, insideReport: boolean): [CrashFormat, RegExpExecArray] | null {
  for (const f of CRASH_FORMATS) {
    if (insideReport && f.continues) continue;
    const m = f.header.exec(message);
    if (m) return [f, m];
  }
  return null;
}

function isSkipped(fn: string, extra: readonly string[] = []): boolean {
  const base = baseFunctionName(fn);
  for (const s of [...SKIP_FRAMES, ...extra]) {
    if (s.length < 5 ? base === s || base.startsWith(`${s}_`) : base.includes(s)) return true;
  }
  return false;
}

/** The message starts a crash report (a header from the table, or `cut here`). */
export function isCrashHeader(message: string): boolean {
  if (!HEADER_HINT.test(message)) return false;
  const t = message.trimStart();
  return CUT_HERE_RE.test(t) || matchFormat(t, false) !== null;
}

export class CrashTracker {
  private open: OpenCrash | null = null;
  private readonly opts: CrashTrackerOptions;

  constructor(opts: CrashTrackerOptions) {
    this.opts = opts;
  }

  get inReport(): boolean {
    return this.open !== null;
  }

  /**
   * Whether the open report would keep this message: in a log without stamps, a line
   * that continues a report is the kernel's, any other is left to userspace.
   */
  wouldKeep(message: string): boolean {
    const open = this.open;
    if (!open) return false;
    const trimmed = message.trimStart();
    if (!open.format) return open.preamble < 4 || matchFormat(trimmed, false) !== null;
    return this.belongs(open, message, trimmed);
  }

  /** Feeds one kernel message (frame removed). */
  feed(message: string, line: number, time: number | null): CrashStep {
    const open = this.open;
    // Outside a report, only a line with a header word can start one.
    if (!open && !HEADER_HINT.test(message)) return NOTHING;
    const closed: Crash[] = [];
    const trimmed = message.trimStart();

    if (open) {
      // `cut here` waits for its WARNING/BUG header; the WARN's own message may come first.
      if (!open.format) {
        const m = matchFormat(trimmed, false);
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
        this.append(open, message, line);
        if (END_TRACE_RE.test(trimmed)) closed.push(this.close());
        else if (open.format.bracket === 'equals' && EQUALS_RE.test(trimmed)) {
          open.bracketClosed = true;
          closed.push(this.close());
        }
        return { consumed: true, header: false, closed };
      }
      closed.push(this.close());
    }

    if (CUT_HERE_RE.test(trimmed)) {
      this.start(null, null, message, line, time);
      return { consumed: true, header: true, closed };
    }
    const m = matchFormat(trimmed, false);
    if (m) {
      this.start(m[0], m[1], message, line, time);
      return { consumed: true, header: true, closed };
    }
    return { consumed: false, header: false, closed };
  }

  /** Closes whatever is open (end of input). */
  flush(): Crash[] {
    return this.open ? [this.close()] : [];
  }

  private belongs(open: OpenCrash, message: string, trimmed: string): boolean {
    const format = open.format!;
    if (trimmed === '') return true;
    // A new report interrupts this one, except for headers that continue it.
    // A new report interrupts this one (a panic after an oops is its own, boot-ending crash),
    // except trap lines such as `invalid opcode:` that x86 prints inside a BUG() report.
    const next = matchFormat(trimmed, false);
    if (next) return next[0].continues === true && format.kind !== 'panic';
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
  ): void {
    this.open = {
      format,
      match,
      startLine: line,
      endLine: line,
      time,
      report: [],
      reportLines: 0,
      frames: [],
      rip: null,
      lockAt: null,
      access: null,
      preamble: 0,
      bracketClosed: false,
      headerLine: line,
      sawTrace: false,
    };
    this.append(this.open, message, line);
  }

  private append(open: OpenCrash, message: string, line: number): void {
    // A report's last line is text, not the blank record that may trail it.
    if (message.trim()) open.endLine = line;
    open.reportLines++;
    if (open.report.length < this.opts.maxReportLines) open.report.push(message.slice(0, 1024));
    const f = FRAME_RE.exec(message);
    const rip = RIP_RE.exec(message) ?? PC_IS_AT_RE.exec(message.trimStart());
    if (rip) {
      if (!open.rip) open.rip = rip[1];
    } else if (f) {
      if (open.frames.length < 128)
        open.frames.push({ fn: f[2], offset: f[3], module: f[4] ?? null, reliable: !f[1], source: null });
    } else {
      const d = DECODED_FRAME_RE.exec(message);
      if (d && open.frames.length < 128)
        open.frames.push({ fn: d[2], module: null, reliable: !d[1], source: d[3] });
    }
    if (/^\s*(?:Call Trace|stack backtrace):/.test(message)) open.sawTrace = true;
    if (!open.lockAt) {
      const l = LOCK_AT_RE.exec(message);
      if (l) open.lockAt = l[1];
    }
    if (!open.access) {
      const a = KASAN_ACCESS_RE.exec(message.trimStart());
      if (a) open.access = a[1];
    }
  }

  private close(): Crash {
    const open = this.open!;
    this.open = null;
    const format = open.format;
    if (!format) {
      return {
        kind: 'other',
        title: 'corrupted report (cut here without a header)',
        line: open.startLine,
        endLine: open.endLine,
        time: open.time,
        function: null,
        location: null,
        fatal: false,
        frames: open.frames,
        report: open.report,
        corrupted: true,
      };
    }
    const m = open.match!;
    const fn = this.functionFor(format, m, open);
    const loc = format.locGroup !== undefined ? (m[format.locGroup] ?? null) : null;
    const title = renderTitle(format, m, fn, loc, open.access);
    return {
      kind: format.kind,
      title,
      line: open.headerLine,
      endLine: open.endLine,
      time: open.time,
      function: fn,
      location: loc,
      fatal: format.fatal === true,
      frames: open.frames,
      report: open.report,
      corrupted: format.kind !== 'panic' && format.fn !== 'none' && !fn ? true : undefined,
    };
  }

  private functionFor(format: CrashFormat, m: RegExpExecArray, open: OpenCrash): string | null {
    const reliable = open.frames.filter((f) => f.reliable).map((f) => f.fn);
    const firstMeaningful = (skip: readonly string[] = []) =>
      reliable.find((f) => !isSkipped(f, [...(format.skip ?? []), ...skip])) ?? null;
    let fn: string | null = null;
    switch (format.fn) {
      case 'header':
        fn = m[format.fnGroup ?? 1] ?? null;
        break;
      case 'rip':
        fn = open.rip && !isSkipped(open.rip, format.skip) ? open.rip : firstMeaningful();
        break;
      case 'stack':
        fn = firstMeaningful();
        break;
      case 'lock_at':
        fn = open.lockAt ?? firstMeaningful(['lock']);
        break;
      case 'stall': {
        // The looping function itself when the report names it; else syzkaller's anchor rule.
        fn = open.rip && !isSkipped(open.rip, format.skip) ? open.rip : firstMeaningful();
        if (fn) break;
        const frames = open.rip ? [open.rip, ...reliable] : reliable;
        const anchor = frames.findIndex((f) =>
          STALL_ANCHOR_FRAMES.some((re) => re.test(baseFunctionName(f))),
        );
        fn = anchor > 0 ? frames[anchor - 1] : firstMeaningful();
        break;
      }
      case 'hung':
        fn =
          reliable.find((f) => /^(rtnl_lock|synchronize_(?:rcu|srcu|net))/.test(f)) ??
          reliable.find((f) => !HUNG_TASK_SKIP.some((s) => f.includes(s))) ??
          null;
        break;
      case 'none':
        fn = null;
    }
    return fn ? baseFunctionName(fn) : null;
  }
}

function renderTitle(
  format: CrashFormat,
  m: RegExpExecArray,
  fn: string | null,
  loc: string | null,
  access: string | null,
): string {
  let template = format.title;
  if (!fn && template.includes('{fn}')) template = format.fallback ?? template.replace(/ in \{fn\}/, '');
  const groups = (i: number) => {
    const g = m[i] ?? '';
    return format.kind === 'panic' ? g : g.replace(ADDRESS_RE, 'ADDR').trim();
  };
  return template
    .replace(/\{(\d)\}/g, (_, i: string) => groups(Number(i)))
    .replace('{fn}', fn ?? '')
    .replace('{loc}', loc ?? '')
    .replace(' {access}', access ? ` ${access}` : '')
    .trim();
}
