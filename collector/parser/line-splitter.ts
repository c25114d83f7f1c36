/**
 * Splits a byte stream into lines at `\n`, in any chunking, with bounded memory: a line
 * longer than `maxLineBytes` keeps its head and only counts the rest. Line numbers are
 * 1-based `\n`-delimited lines, the numbering `grep -n` and editors use.
 *
 * Allocation-light: an ASCII chunk (nearly every console chunk) is decoded once, and its
 * lines reach the reader as ranges of that one string, with no per-line buffer or object.
 */
import { Buffer, isAscii } from 'node:buffer';
import { decodeLine } from './clean.ts';

/** Receives the lines, in order. */
export interface LineReader {
  /**
   * The text the next lines are ranges of: a whole ASCII chunk, decoded once (`bytes`: the
   * chunk itself, where each line's `\r` or `\n` follows it), or a single line decoded alone
   * (one that spanned chunks, or of a chunk with other bytes).
   */
  chunk(text: string, bytes?: Uint8Array): void;
  /**
   * One line, without its `\n` and the `\r` before it: `text`, a string of its own (a slice
   * of the chunk's would keep the whole chunk alive as long as any part of the line is
   * kept), which is the last chunk() text's [start, end). `length` counts every byte of the
   * line (its `\r` too); `cut` says bytes past `maxLineBytes` were dropped.
   */
  line(no: number, text: string, start: number, end: number, length: number, cut: boolean): void;
}

const NEWLINE = 0x0a;
const CR = 0x0d;
const encoder = new TextEncoder();

/** Buffer's latin1 decoder, undocumented: what toString('latin1', start, end) ends in. */
interface Latin1Slicer {
  latin1Slice(start: number, end: number): string;
}
// A line's copy is a tenth of a line's reading; toString's argument checks were a third of it.
const latin1Slice: (buf: Buffer, start: number, end: number) => string =
  typeof (Buffer.prototype as Partial<Latin1Slicer>).latin1Slice === 'function'
    ? (buf, start, end) => (buf as Buffer & Latin1Slicer).latin1Slice(start, end)
    : (buf, start, end) => buf.toString('latin1', start, end);

export class LineSplitter {
  private parts: Uint8Array[] = [];
  private kept = 0;
  private length = 0;
  private lineNo = 0;
  private readonly maxLineBytes: number;
  private readonly reader: LineReader;

  constructor(reader: LineReader, maxLineBytes = 64 * 1024) {
    this.reader = reader;
    this.maxLineBytes = maxLineBytes;
  }

  /** Feeds a chunk; the reader gets each line it completes before push() returns. */
  push(chunk: Uint8Array | string): void {
    const bytes = typeof chunk === 'string' ? encoder.encode(chunk) : chunk;
    const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
    // latin1 is UTF-8 on ASCII, and much cheaper to decode.
    const text = isAscii(bytes) ? buf.toString('latin1') : null;
    // Whether the reader's text is this chunk (a carried line is read between).
    let shown = false;
    let start = 0;
    for (;;) {
      const nl = text !== null ? text.indexOf('\n', start) : bytes.indexOf(NEWLINE, start);
      if (nl === -1) {
        this.keep(bytes.subarray(start));
        break;
      }
      if (this.length === 0 && nl - start <= this.maxLineBytes) {
        // Whole line inside this chunk: read in place, before push() returns.
        const end = nl > start && bytes[nl - 1] === CR ? nl - 1 : nl;
        if (text !== null) {
          if (!shown) this.reader.chunk(text, bytes);
          shown = true;
          this.reader.line(++this.lineNo, latin1Slice(buf, start, end), start, end, nl - start, false);
        } else this.lone(decodeLine(bytes.subarray(start, end)), nl - start, false);
      } else {
        this.keep(bytes.subarray(start, nl));
        this.take();
        shown = false;
      }
      start = nl + 1;
    }
  }

  /** Flushes a final line that had no `\n`. */
  end(): void {
    if (this.length > 0) this.take();
  }

  private keep(piece: Uint8Array): void {
    this.length += piece.length;
    const room = this.maxLineBytes - this.kept;
    if (room <= 0 || piece.length === 0) return;
    // Copy: callers may reuse their buffers after push() returns.
    const slice = piece.length > room ? piece.slice(0, room) : piece.slice();
    this.parts.push(slice);
    this.kept += slice.length;
  }

  private take(): void {
    let bytes: Uint8Array;
    if (this.parts.length === 1) bytes = this.parts[0];
    else {
      bytes = new Uint8Array(this.kept);
      let at = 0;
      for (const p of this.parts) {
        bytes.set(p, at);
        at += p.length;
      }
    }
    const kept = bytes.length;
    const line = decodeLine(kept > 0 && bytes[kept - 1] === CR ? bytes.subarray(0, kept - 1) : bytes);
    const length = this.length;
    this.parts = [];
    this.kept = 0;
    this.length = 0;
    this.lone(line, length, length > kept);
  }

  private lone(line: string, length: number, cut: boolean): void {
    this.reader.chunk(line);
    this.reader.line(++this.lineNo, line, 0, line.length, length, cut);
  }
}
