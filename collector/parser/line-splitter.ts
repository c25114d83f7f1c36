/**
 * Splits a byte stream into lines at `\n`, in any chunking, with bounded memory: a line
 * longer than `maxLineBytes` keeps its head and only counts the rest. Line numbers are
 * 1-based `\n`-delimited lines, the numbering `grep -n` and editors use.
 */

export interface RawLine {
  /** 1-based line number. */
  no: number;
  /** The line's bytes (without the `\n`), at most maxLineBytes of them. */
  bytes: Uint8Array;
  /** Length of the whole line in bytes, including what was not kept. */
  length: number;
}

const NEWLINE = 0x0a;
const encoder = new TextEncoder();

export class LineSplitter {
  private parts: Uint8Array[] = [];
  private kept = 0;
  private length = 0;
  private lineNo = 0;
  private readonly maxLineBytes: number;

  constructor(maxLineBytes = 64 * 1024) {
    this.maxLineBytes = maxLineBytes;
  }

  /** Feeds a chunk; returns the lines it completed (valid until the next push). */
  push(chunk: Uint8Array | string): RawLine[] {
    const bytes = typeof chunk === 'string' ? encoder.encode(chunk) : chunk;
    const out: RawLine[] = [];
    let start = 0;
    for (;;) {
      const nl = bytes.indexOf(NEWLINE, start);
      if (nl === -1) {
        this.keep(bytes.subarray(start));
        break;
      }
      if (this.length === 0 && nl - start <= this.maxLineBytes) {
        // Whole line inside this chunk: no copy, it is consumed before push() returns.
        out.push({ no: ++this.lineNo, bytes: bytes.subarray(start, nl), length: nl - start });
      } else {
        this.keep(bytes.subarray(start, nl));
        out.push(this.take());
      }
      start = nl + 1;
    }
    return out;
  }

  /** Flushes a final line that had no `\n`. */
  end(): RawLine[] {
    return this.length > 0 ? [this.take()] : [];
  }

  /** Lines completed so far. */
  get lines(): number {
    return this.lineNo;
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

  private take(): RawLine {
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
    const line: RawLine = { no: ++this.lineNo, bytes, length: this.length };
    this.parts = [];
    this.kept = 0;
    this.length = 0;
    return line;
  }
}
