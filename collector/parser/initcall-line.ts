/**
 * initcall_debug's two lines, most of such a log: BOOT_MESSAGES.initcallStart and
 * initcallDone decide whether a message is one (test(), no match array), and the captures
 * are then read with indexOf; on the parser's fast path, a clean line of an ASCII chunk is
 * read from its bytes in one pass instead. Both are exact because of what a match implies:
 * the function name holds no `+` or space, the offset no space, the module neither space
 * nor `]`, and the numbers no space, so no part of a pattern can give characters back and
 * the first reading is the only one. exec() built an array and four substrings per line,
 * which cost more than the match itself.
 */
import { BOOT_MESSAGES as M } from './tables/messages.ts';

/** Numbers this long or shorter are exact as integers, as Number.parseInt reads them. */
const MAX_DIGITS = 15;
const OPEN = 0x5b;

/** Where the function name that starts at `from` ends: at the first `+` or space. */
function symbolEnd(msg: string, from: number): number {
  const plus = msg.indexOf('+', from);
  const space = msg.indexOf(' ', from);
  return plus >= 0 && plus < space ? plus : space;
}

/** The integer text[from, to) (`-?\d+`), as Number.parseInt reads it. */
function integer(text: string, from: number, to: number): number {
  const negative = text.charCodeAt(from) === 0x2d;
  if (to - from > MAX_DIGITS) return Number.parseInt(text.slice(from, to), 10);
  let n = 0;
  for (let i = negative ? from + 1 : from; i < to; i++) n = n * 10 + (text.charCodeAt(i) - 0x30);
  return negative ? -n : n;
}

/** readInitcallDone's answer: one object, valid until the next call (no object per line). */
const done: { fn: string; module: string | null; ret: number; usecs: number } = {
  fn: '',
  module: null,
  ret: 0,
  usecs: 0,
};

/**
 * What `initcall fn+0x../0x.. [mod] returned R after U usecs` says, as initcallDone captures
 * it; one object reused by the next call: read it, never keep it.
 */
export function readInitcallDone(
  msg: string,
): { fn: string; module: string | null; ret: number; usecs: number } | null {
  if (!M.initcallDone.test(msg)) return null;
  const start = 'initcall '.length;
  const space = msg.indexOf(' ', start);
  let module: string | null = null;
  if (msg.charCodeAt(space + 1) === OPEN) module = msg.slice(space + 2, msg.indexOf(']', space + 2));
  const retAt = msg.indexOf(' returned ', space) + ' returned '.length;
  const retEnd = msg.indexOf(' ', retAt);
  const usecsAt = retEnd + ' after '.length;
  const usecsEnd = msg.indexOf(' ', usecsAt);
  done.fn = msg.slice(start, symbolEnd(msg, start));
  done.module = module;
  done.ret = integer(msg, retAt, retEnd);
  done.usecs = integer(msg, usecsAt, usecsEnd);
  return done;
}

/** The function of `calling  fn+0x../0x.. [mod] @ pid` (two spaces), as initcallStart captures it. */
export function readInitcallStart(msg: string): string | null {
  const start = 'calling  '.length;
  if (!msg.startsWith('calling  ') || !M.initcallStart.test(msg)) return null;
  return msg.slice(start, symbolEnd(msg, start));
}

/** Character classes of the patterns above, by byte: bits of SYMBOL, HEX, MODULE, DIGIT. */
const SYMBOL = 1;
const HEX = 2;
const MODULE = 4;
const DIGIT = 8;
const CLASS = Uint8Array.from({ length: 256 }, (_, c) => {
  const ch = String.fromCharCode(c);
  return (
    (/[A-Za-z0-9_.$]/.test(ch) ? SYMBOL : 0) |
    (/[0-9a-f]/.test(ch) ? HEX : 0) |
    (/[\w-]/.test(ch) ? MODULE : 0) |
    (/\d/.test(ch) ? DIGIT : 0)
  );
});

/** What readInitcallBytes read, positions in its bytes: valid until its next call. */
export const initcallBytes = {
  fnStart: 0,
  fnEnd: 0,
  /** The module's name, or moduleStart -1. */
  moduleStart: -1,
  moduleEnd: -1,
  ret: 0,
  usecs: 0,
};

/** Where a run of bytes of class `cls` from `at` (before `end`) ends. */
function classEnd(b: Uint8Array, at: number, end: number, cls: number): number {
  while (at < end && (CLASS[b[at]] & cls) !== 0) at++;
  return at;
}

/** Where `word` ends when the bytes hold it at `at`, else -1. */
function bytesAt(b: Uint8Array, at: number, end: number, word: string): number {
  if (end - at < word.length) return -1;
  for (let k = 0; k < word.length; k++) if (b[at + k] !== word.charCodeAt(k)) return -1;
  return at + word.length;
}

/** Where `0x[0-9a-f]+` from `at` ends, or -1. */
function hexAt(b: Uint8Array, at: number, end: number): number {
  if (at + 2 >= end || b[at] !== 0x30 || b[at + 1] !== 0x78) return -1;
  const to = classEnd(b, at + 2, end, HEX);
  return to > at + 2 ? to : -1;
}

/** The integer of the digits b[from, to), at most MAX_DIGITS of them. */
function bytesInteger(b: Uint8Array, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) n = n * 10 + (b[i] - 0x30);
  return n;
}

/**
 * A whole initcall_debug message at bytes[i, end) of an all-ASCII chunk — one initcallDone
 * or initcallStart (two spaces) matches with nothing after it, numbers of at most MAX_DIGITS
 * digits: 1 for `initcall ... usecs`, 2 for `calling  ... @ pid`, 0 for anything else. Read
 * from the bytes in one pass, without making strings, as the commonest line of such a log;
 * exact for the reason given at the top of this file. Every byte of such a message is one
 * the patterns name: it holds no control byte. No crash header begins with `initcall ` or
 * `calling `: outside a report, such a line starts none.
 */
export function readInitcallBytes(b: Uint8Array, i: number, end: number): 0 | 1 | 2 {
  const r = initcallBytes;
  const done = bytesAt(b, i, end, 'initcall ');
  let at = done >= 0 ? done : bytesAt(b, i, end, 'calling  ');
  if (at < 0) return 0;
  // The function, its offset and size, its module.
  r.fnStart = at;
  at = classEnd(b, at, end, SYMBOL);
  if (at === r.fnStart) return 0;
  r.fnEnd = at;
  if (at < end && b[at] === 0x2b) {
    at = hexAt(b, at + 1, end);
    if (at < 0 || at >= end || b[at] !== 0x2f) return 0;
    at = hexAt(b, at + 1, end);
    if (at < 0) return 0;
  }
  r.moduleStart = -1;
  r.moduleEnd = -1;
  if (at + 1 < end && b[at] === 0x20 && b[at + 1] === 0x5b) {
    const to = classEnd(b, at + 2, end, MODULE);
    if (to > at + 2 && to < end && b[to] === 0x5d) {
      r.moduleStart = at + 2;
      r.moduleEnd = to;
      at = to + 1;
    }
  }
  if (done < 0) {
    const pid = bytesAt(b, at, end, ' @ ');
    return pid >= 0 && classEnd(b, pid, end, DIGIT) === end && end > pid ? 2 : 0;
  }
  at = bytesAt(b, at, end, ' returned ');
  if (at < 0) return 0;
  const negative = at < end && b[at] === 0x2d;
  const retAt = negative ? at + 1 : at;
  const retEnd = classEnd(b, retAt, end, DIGIT);
  if (retEnd === retAt || retEnd - retAt > MAX_DIGITS) return 0;
  const usecsAt = bytesAt(b, retEnd, end, ' after ');
  if (usecsAt < 0) return 0;
  const usecsEnd = classEnd(b, usecsAt, end, DIGIT);
  if (usecsEnd === usecsAt || usecsEnd - usecsAt > MAX_DIGITS) return 0;
  if (bytesAt(b, usecsEnd, end, ' usecs') !== end) return 0;
  r.usecs = bytesInteger(b, usecsAt, usecsEnd);
  const ret = bytesInteger(b, retAt, retEnd);
  r.ret = negative ? -ret : ret;
  return 1;
}
