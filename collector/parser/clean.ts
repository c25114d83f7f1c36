/**
 * Turns a raw console line into text the classifier can read: UTF-8 decoded with
 * replacement characters, terminal escapes and control bytes removed, and carriage
 * returns resolved into the pieces a terminal would have shown.
 */

import { Buffer, isAscii } from 'node:buffer';

const decoder = new TextDecoder('utf-8', { fatal: false });

// CSI (ESC [ ... final), OSC (ESC ] ... BEL or ST), charset selection, and two-byte escapes
// such as ESC c (the reset SeaBIOS sends before the kernel's first line).
const ANSI_RE =
  /\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[()*+][0-9A-Za-z]|\x1b[@-Z\\-_`-~]|\x9b[0-?]*[ -/]*[@-~]/g;
// Control characters other than tab and CR (CR is handled separately); DEL too.
const CONTROL_RE = /[\x00-\x08\x0b-\x0c\x0e-\x1a\x1c-\x1f\x7f]/g;
const LONE_ESC_RE = /\x1b/g;

/** Decodes bytes as UTF-8, never throwing: invalid sequences become U+FFFD. */
export function decodeLine(bytes: Uint8Array): string {
  // Console text is nearly always ASCII: latin1 is the same there and much cheaper.
  if (isAscii(bytes)) return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('latin1');
  return decoder.decode(bytes);
}

/** A character stripEscapes removes (or begins an escape with). */
export const ESCAPE_OR_CONTROL = /[\x00-\x08\x0b-\x0c\x0e-\x1f\x7f\x9b]/;

/** Removes terminal escapes and control characters; keeps tabs and CRs. */
export function stripEscapes(text: string): string {
  if (!ESCAPE_OR_CONTROL.test(text)) return text;
  return text.replace(ANSI_RE, '').replace(LONE_ESC_RE, '').replace(CONTROL_RE, '');
}

/**
 * Splits a line at carriage returns into the non-blank pieces. A console writes `\r\n`,
 * but firmware redraws a line with bare `\r`, and some captures use `\r` alone as line end.
 */
export function splitCarriageReturns(text: string): string[] {
  if (!text.includes('\r')) return [text];
  const pieces = text.split('\r').filter((p) => p.trim() !== '');
  return pieces.length ? pieces : [''];
}

/** Share of characters that are replacement or private-use junk: binary noise, not text. */
export function junkRatio(text: string): number {
  if (!text) return 0;
  let junk = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0xfffd || (c >= 0xe000 && c <= 0xf8ff) || (c >= 0x80 && c < 0xa0)) junk++;
  }
  return junk / text.length;
}
