/**
 * Recognises how a kernel log line is framed — `[ 1.234567]` stamps, `[ T1]` caller ids,
 * `<6>` syslog levels, `dmesg -x` (`kern  :info  : `), `dmesg -T` wall-clock stamps, `dmesg -d`
 * deltas, `dmesg -e`/`-H` relative stamps, journalctl's `host kernel:` — and separates the frame
 * from the message.
 */
import type { LogLevel } from '../../common/types/parse.ts';

export interface Framed {
  /** The line carries a kernel log frame. */
  kernel: boolean;
  time: number | null;
  level: LogLevel | null;
  /** `T1` / `C0` with CONFIG_PRINTK_CALLER. */
  caller: string | null;
  /** Wall-clock stamp from `dmesg -T` or a journal, as printed. */
  wall: string | null;
  /** Text before the frame: firmware or userspace output glued to the kernel's line. */
  leading: string;
  /** The message after the frame (a single separating space removed, indentation kept). */
  message: string;
}

const LEVEL_NAMES: Record<string, LogLevel> = {
  emerg: 0,
  alert: 1,
  crit: 2,
  err: 3,
  warn: 4,
  notice: 5,
  info: 6,
  debug: 7,
};

// <N> then [ seconds.fraction ] then optional [ T123] / [ C1]; the stamp may sit mid-line.
const STAMP_RE = /(?:<(\d{1,3})>)?\[\s*(\d{1,8})\.(\d{1,9})\](?:\[\s*([TC]\d{1,7})\])? ?/;
const DMESG_X_RE =
  /^(kern|user|mail|daemon|auth|syslog|lpr|news|uucp|cron|authpriv|ftp|local[0-7]) *:(emerg|alert|crit|err|warn|notice|info|debug) *: ?/;
const WALL_RE = /^\[((?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) \w{3} +\d{1,2} \d\d:\d\d:\d\d \d{4})\] ?/;
// dmesg --time-format iso, or a syslog file's RFC 3339 stamp (then `host kernel: `).
const ISO_RE = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[,.]\d+(?:Z|[+-]\d\d:?\d\d)) (?:[\w.-]+ kernel: ?)?/;
// journalctl (-o short, short-precise) and syslog files: `Apr 15 13:58:08[.549417] host kernel: `.
const JOURNAL_RE = /^(\w{3} +\d{1,2} \d\d:\d\d:\d\d(?:\.\d+)?) \S+ kernel: ?/;
const PRIO_RE = /^<(\d{1,3})>/;
// `dmesg -d` adds the delta to the previous record: `[    1.234567 <    0.000123>]` (negative
// when an early clock went back).
const LEAD_STAMP_RE = /^\[\s*(\d{1,8})\.(\d{1,9})(?: <\s*-?\d{1,8}\.\d{1,9}>)?\] ?/;
// `dmesg -e` / `-H`: the minute of a record after a pause (`[Dec 6 04:20]`, util-linux's
// `%b%d %H:%M`), else the delta to the previous one (`[  +0.000019]`, `[  -0.091471]`): no
// time since boot.
const RELTIME_RE = /^\[(?:([A-Z][a-z]{2} ?\d{1,2} \d\d:\d\d)|\s*[+-]\d{1,8}\.\d{1,9})\] ?/;
// CONFIG_PRINTK_CALLER: `[    T1]` / `[    C0]`, after the time or alone (printk.time=0).
const CALLER_RE = /^ ?\[\s*([TC]\d{1,7})\] ?/;
// A caller id glued after other output, in a log without times: `junk[T21583] msg`.
const GLUED_CALLER_RE = /\[\s*([TC]\d{1,7})\] /;
// journalctl -o short-monotonic puts the host and "kernel:" after the stamp.
const JOURNAL_AFTER_STAMP_RE = /^[\w.-]+ kernel: /;

function unframed(text: string): Framed {
  return { kernel: false, time: null, level: null, caller: null, wall: null, leading: '', message: text };
}

function levelOf(prio: string | undefined): LogLevel | null {
  if (prio === undefined) return null;
  return (Number(prio) & 7) as LogLevel;
}

/** Exact powers of ten, for a stamp read as one integer of its digits. */
const POW10 = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15];

/** `[ sssss.uuuuuu] msg` at the start of the line: the common case, read without a regex. */
function stampAt(text: string): Framed | null {
  const to = text.length;
  if (to === 0 || text.charCodeAt(0) !== 0x5b) return null;
  let i = 1;
  while (i < to && text.charCodeAt(i) === 0x20) i++;
  const start = i;
  let n = 0;
  for (; i < to; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x30 || c > 0x39) break;
    n = n * 10 + (c - 0x30);
  }
  if (i === start || i >= to || text.charCodeAt(i) !== 0x2e) return null;
  const dot = i++;
  for (; i < to; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x30 || c > 0x39) break;
    n = n * 10 + (c - 0x30);
  }
  if (i === dot + 1 || i >= to || text.charCodeAt(i) !== 0x5d) return null;
  // A caller id `[ T1]` follows: leave that to the full parser.
  if (i + 1 < to && text.charCodeAt(i + 1) === 0x5b) return null;
  // With at most 15 digits they make an exact integer, and one division by an exact power of
  // ten rounds correctly, as Number() reads the decimal; longer stamps are read by Number().
  const time = i - start > 16 ? Number(text.slice(start, i)) : n / POW10[i - dot - 1];
  return stampedFrame(text, i + 1 < to && text.charCodeAt(i + 1) === 0x20 ? i + 2 : i + 1, time);
}

/**
 * The frame of a line stampAt (or readStampBytes) read: stamped `time`, its message from
 * `from` (past the stamp and one space). The answer is the one object stampAt answers with.
 */
export function stampedFrame(line: string, from: number, time: number): Framed {
  let message = line.slice(from);
  // `host kernel: ` can only follow the first word: a look there, not a search of the line.
  const space = message.indexOf(' ');
  if (space > 0 && message.startsWith('kernel: ', space + 1)) {
    const j = JOURNAL_AFTER_STAMP_RE.exec(message);
    if (j) message = message.slice(j[0].length);
  }
  STAMPED.time = time;
  STAMPED.message = message;
  return STAMPED;
}

/** readStampBytes' time: valid until its next call. */
export const stampBytes = { time: 0 };

/** A digit's byte. */
function isDigitByte(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

/**
 * stampAt over a line of an all-ASCII chunk, bytes[start, end): where its message begins
 * (the time in stampBytes.time), or -1 when stampAt would not read it (no plain stamp, a
 * caller id after it, or more than 15 digits: those take parseFrame's other paths).
 */
export function readStampBytes(b: Uint8Array, start: number, end: number): number {
  if (start >= end || b[start] !== 0x5b) return -1;
  let i = start + 1;
  while (i < end && b[i] === 0x20) i++;
  const first = i;
  let n = 0;
  for (; i < end && isDigitByte(b[i]); i++) n = n * 10 + (b[i] - 0x30);
  if (i === first || i >= end || b[i] !== 0x2e) return -1;
  const dot = i++;
  for (; i < end && isDigitByte(b[i]); i++) n = n * 10 + (b[i] - 0x30);
  if (i === dot + 1 || i >= end || b[i] !== 0x5d || i - first > 16) return -1;
  if (i + 1 < end && b[i + 1] === 0x5b) return -1;
  // As stampAt: every digit one exact integer, divided once by an exact power of ten.
  stampBytes.time = n / POW10[i - dot - 1];
  return i + 1 < end && b[i + 1] === 0x20 ? i + 2 : i + 1;
}

/** stampAt's answer, one object for every line: most lines are stamped, and read at once. */
const STAMPED: Framed = {
  kernel: true,
  time: 0,
  level: null,
  caller: null,
  wall: null,
  leading: '',
  message: '',
};

/**
 * Splits a cleaned line into frame and message. Never throws. The answer for a plainly
 * stamped line is one object reused by the next call: read it, never keep it.
 */
export function parseFrame(text: string): Framed {
  const fast = stampAt(text);
  if (fast) return fast;
  const out: Framed = unframed(text);
  let rest = text;
  // Outer framings first (dmesg -x facility:level, a syslog file's date and host), then
  // the kernel's own: <prio>, [time], [caller], or dmesg -T's wall clock.
  let framed = false;
  let kernelFacility = true;
  const x = DMESG_X_RE.exec(rest);
  if (x) {
    out.level = LEVEL_NAMES[x[2]];
    kernelFacility = x[1] === 'kern';
    rest = rest.slice(x[0].length);
    framed = true;
  } else {
    const h = ISO_RE.exec(rest) ?? JOURNAL_RE.exec(rest);
    if (h) {
      out.wall = h[1];
      rest = rest.slice(h[0].length);
      framed = true;
    }
  }
  const p = PRIO_RE.exec(rest);
  if (p) {
    out.level = levelOf(p[1]);
    rest = rest.slice(p[0].length);
  }
  const st = LEAD_STAMP_RE.exec(rest);
  if (st) {
    const time = Number(`${st[1]}.${st[2]}`);
    out.time = Number.isFinite(time) ? time : null;
    rest = rest.slice(st[0].length);
  } else if (!out.wall) {
    const w = WALL_RE.exec(rest);
    if (w) {
      out.wall = w[1];
      rest = rest.slice(w[0].length);
    } else {
      const r = RELTIME_RE.exec(rest);
      if (r) {
        out.wall = r[1] ?? null;
        rest = rest.slice(r[0].length);
        framed = true;
      }
    }
  }
  const c = rest.charCodeAt(0) === 0x5b || rest.charCodeAt(1) === 0x5b ? CALLER_RE.exec(rest) : null;
  if (c) {
    out.caller = c[1];
    rest = rest.slice(c[0].length);
  }
  if (st || c || out.wall || framed) {
    if (st) {
      const j = JOURNAL_AFTER_STAMP_RE.exec(rest);
      if (j) rest = rest.slice(j[0].length);
    }
    // A userspace record (dmesg -x `user :`) is framed but is not the kernel's.
    return { ...out, kernel: kernelFacility, message: rest };
  }
  if (p) {
    // `<N>` alone: the facility (prio >> 3) says whose record it is.
    return { ...out, kernel: Number(p[1]) < 8, message: rest };
  }
  // A stamp mid-line: firmware or userspace output glued before a kernel record.
  if (rest.includes('[')) {
    const cm =
      rest.includes('[T') || rest.includes('[C') || rest.includes('[ ') ? GLUED_CALLER_RE.exec(rest) : null;
    if (cm && !STAMP_RE.test(rest))
      return {
        ...out,
        caller: cm[1],
        leading: rest.slice(0, cm.index),
        message: rest.slice(cm.index + cm[0].length),
      };
    const m = STAMP_RE.exec(rest);
    if (m) {
      let message = rest.slice(m.index + m[0].length);
      const j = JOURNAL_AFTER_STAMP_RE.exec(message);
      if (j) message = message.slice(j[0].length);
      const time = Number(`${m[2]}.${m[3]}`);
      return {
        kernel: true,
        time: Number.isFinite(time) ? time : null,
        level: m[1] !== undefined ? levelOf(m[1]) : null,
        caller: m[4] ?? null,
        wall: null,
        leading: rest.slice(0, m.index),
        message,
      };
    }
  }
  return out;
}

// A literal in the function would be a new RegExp object per call.
const GLUED_STAMP_RE = /\[\s*\d{1,8}\.\d{6}\](?:\[\s*[TC]\d+\])? /;

/** Finds a second kernel stamp inside a message: two records glued on one line. */
export function findGluedStamp(message: string): number {
  // A match at 0 does not count: without a `[` past the first character there is none.
  if (message.indexOf('[', 1) < 0) return -1;
  const m = GLUED_STAMP_RE.exec(message);
  return m && m.index > 0 ? m.index : -1;
}
