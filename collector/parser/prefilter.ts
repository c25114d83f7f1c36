/**
 * The parser's prefilter: which lines can state anything. Each keyword set is scanned once
 * over a whole decoded chunk (one regular expression run per hit, not per line), so the
 * common line, with none of the words, is read without any per-line regular expression.
 */
import { FACT_WORDS } from './classify-kernel.ts';
import { ESCAPE_OR_CONTROL } from './clean.ts';
import { HEADER_HINT } from './crash-tracker.ts';

/** Where the next occurrence of a word set lies in one text, asked for ranges in order. */
class WordScan {
  private readonly re: RegExp;
  private text = '';
  /** The first hit at or after the last range asked; null: none; undefined: not looked up. */
  private hit: RegExpExecArray | null | undefined = undefined;

  constructor(words: RegExp) {
    this.re = new RegExp(words.source, 'g');
  }

  /** A new text: the ranges asked next lie in it, in increasing order. */
  reset(text: string): void {
    this.text = text;
    this.hit = undefined;
  }

  /** The first hit within text[start, end), or null. */
  first(start: number, end: number): RegExpExecArray | null {
    if (this.hit === undefined || (this.hit !== null && this.hit.index < start)) {
      this.re.lastIndex = start;
      this.hit = this.re.exec(this.text);
    }
    return this.hit !== null && this.hit.index < end ? this.hit : null;
  }
}

/** The prefilter's answers for the line being read. */
export class LineHints {
  /** The line may hold terminal escapes or control bytes. */
  escapes = true;
  /** The line may hold a carriage return (other than the `\r\n` already removed). */
  cr = true;
  private readonly crashScan = new WordScan(HEADER_HINT);
  private readonly factScan = new WordScan(FACT_WORDS);
  private readonly escapeScan = new WordScan(ESCAPE_OR_CONTROL);
  private text = '';
  /** The first `\r` at or after the line asked last (a line's own `\r\n` is past its end). */
  private nextCr = -1;
  private start = 0;
  private end = 0;

  /** A decoded chunk (or a lone line) whose lines are asked next. */
  chunk(text: string): void {
    this.crashScan.reset(text);
    this.factScan.reset(text);
    this.escapeScan.reset(text);
    this.text = text;
    this.nextCr = -1;
  }

  /** The line being read is text[start, end) of the current chunk. */
  line(start: number, end: number): void {
    this.start = start;
    this.end = end;
    this.escapes = this.escapeScan.first(start, end) !== null;
    if (this.nextCr < start) {
      const at = this.text.indexOf('\r', start);
      this.nextCr = at < 0 ? Number.POSITIVE_INFINITY : at;
    }
    this.cr = this.nextCr < end;
  }

  // Removing an escape can join two halves of a word: a line with escapes is not scanned.

  /** A crash header word occurs (the crash tracker need not see the line otherwise). */
  crashWord(): boolean {
    return this.escapes || this.crashScan.first(this.start, this.end) !== null;
  }

  /** A word some kernel fact needs occurs (else the line is at most a driver sighting). */
  factWord(): boolean {
    return this.escapes || this.factScan.first(this.start, this.end) !== null;
  }
}
