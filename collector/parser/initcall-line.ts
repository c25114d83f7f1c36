/**
 * initcall_debug's two lines, most of such a log: BOOT_MESSAGES.initcallStart and
 * initcallDone decide whether a message is one (test(), no match array), and the captures
 * are then read with indexOf. That is exact because of what a match implies: the function
 * name holds no `+` or space, the offset no space, the module neither space nor `]`, and
 * the numbers no space. exec() built an array and four substrings per line, which cost
 * more than the match itself.
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
  return M.initcallDone.test(msg) ? doneFields(msg) : null;
}

/** readInitcallDone's reading of a message initcallDone matches. */
function doneFields(msg: string): { fn: string; module: string | null; ret: number; usecs: number } {
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
  if (!msg.startsWith('calling  ') || !M.initcallStart.test(msg)) return null;
  return startFunction(msg);
}

function startFunction(msg: string): string {
  const start = 'calling  '.length;
  return msg.slice(start, symbolEnd(msg, start));
}

// The two patterns matching the whole message, nothing after their shape.
const WHOLE_DONE_RE = new RegExp(`${M.initcallDone.source}$`);
const WHOLE_START_RE = new RegExp(`${M.initcallStart.source}$`);
/** readWholeInitcall's answer: one object, valid until the next call. */
const whole: {
  done: { fn: string; module: string | null; ret: number; usecs: number } | null;
  start: string | null;
} = { done: null, start: null };

/**
 * An initcall_debug line with nothing after its shape: `done` (what readInitcallDone
 * answers) or `start` (the function readInitcallStart answers); null for any other message
 * (one that only begins with such a line too). No crash header begins with `initcall ` or
 * `calling `, and nothing follows: such a line can be no part of a crash report's start.
 */
export function readWholeInitcall(msg: string): typeof whole | null {
  const c = msg.charCodeAt(0);
  if (c === 0x69) {
    if (!WHOLE_DONE_RE.test(msg)) return null;
    whole.done = doneFields(msg);
    whole.start = null;
    return whole;
  }
  if (c === 0x63 && msg.startsWith('calling  ')) {
    if (!WHOLE_START_RE.test(msg)) return null;
    whole.done = null;
    whole.start = startFunction(msg);
    return whole;
  }
  return null;
}
