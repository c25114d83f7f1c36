/**
 * The parser's prefilter: which lines can state anything. One pass over each line's
 * characters finds control bytes, carriage returns and both word sets (crash headers, kernel
 * facts) at once, so the common line, with none of the words, is read without any regular
 * expression: V8's regular expressions scan a long alternation of words several times slower
 * than a lookup of each pair of characters in a table.
 */
import { FACT_WORDS } from './classify-kernel.ts';
import { ESCAPE_OR_CONTROL } from './clean.ts';
import { HEADER_HINT } from './crash-tracker.ts';

const ESCAPE = 1;
const CR = 2;
const CRASH = 4;
const FACT = 8;

/** Per character code below 0x100: ESCAPE for what stripEscapes removes, CR for `\r`. */
const CONTROL = Uint8Array.from({ length: 256 }, (_, c) =>
  c === 0x0d ? CR : ESCAPE_OR_CONTROL.test(String.fromCharCode(c)) ? ESCAPE : 0,
);
// The scans look codes up only outside the printable range.
if (CONTROL.subarray(0x20, 0x7f).some((x) => x !== 0)) throw new Error('prefilter: a printable control');

/** One word of a set: a category and, per character, the ASCII codes it accepts. */
interface Word {
  category: number;
  chars: Uint8Array[];
}

const LITERALS = new Map<number, Uint8Array>();
/** The set of one character, shared by every word that has it. */
function literal(code: number): Uint8Array {
  let set = LITERALS.get(code);
  if (!set) {
    set = new Uint8Array(128);
    set[code] = 1;
    LITERALS.set(code, set);
  }
  return set;
}

/**
 * The words of an alternation such as HEADER_HINT: literals, `\`-escapes, `\d` and `[A-Z]`
 * classes. Anything else throws at load: the table must say what the regular expression says.
 */
function wordsOf(re: RegExp, category: number): Word[] {
  if (re.flags.replace(/[gy]/g, '') !== '') throw new Error(`prefilter: /${re.source}/${re.flags}: flags`);
  return re.source.split('|').map((alt) => {
    const chars: Uint8Array[] = [];
    for (let i = 0; i < alt.length; ) {
      const c = alt[i];
      if (c === '\\' && alt[i + 1] === 'd') {
        const set = new Uint8Array(128);
        set.fill(1, 0x30, 0x3a);
        chars.push(set);
        i += 2;
      } else if (c === '\\' && /^[^\w\s]$/.test(alt[i + 1] ?? '')) {
        chars.push(literal(alt.charCodeAt(i + 1)));
        i += 2;
      } else if (c === '[' && /^\[[A-Za-z0-9]-[A-Za-z0-9]\]/.test(alt.slice(i))) {
        const set = new Uint8Array(128);
        set.fill(1, alt.charCodeAt(i + 1), alt.charCodeAt(i + 3) + 1);
        chars.push(set);
        i += 5;
      } else if (/^[\x20-\x7e]$/.test(c) && !'\\^$.*+?()[]{}|'.includes(c)) {
        chars.push(literal(alt.charCodeAt(i)));
        i++;
      } else throw new Error(`prefilter: /${re.source}/: cannot read ${JSON.stringify(alt)}`);
    }
    if (chars.length < 2)
      throw new Error(`prefilter: /${re.source}/: ${JSON.stringify(alt)} is shorter than two`);
    return { category, chars };
  });
}

/** Per pair of ASCII characters (first << 7 | second): the categories of the words it begins. */
const PAIRS = new Uint8Array(128 * 128);
const NO_WORDS: Word[] = [];
/** Per pair: the words it begins (one shared empty list where PAIRS says none). */
const PAIR_WORDS: Word[][] = new Array(128 * 128).fill(NO_WORDS);
for (const w of [...wordsOf(HEADER_HINT, CRASH), ...wordsOf(FACT_WORDS, FACT)])
  for (let a = 0; a < 128; a++) {
    if (!w.chars[0][a]) continue;
    for (let b = 0; b < 128; b++) {
      if (!w.chars[1][b]) continue;
      const k = (a << 7) | b;
      PAIRS[k] |= w.category;
      if (PAIR_WORDS[k] === NO_WORDS) PAIR_WORDS[k] = [];
      PAIR_WORDS[k].push(w);
    }
  }

/**
 * PAIRS, where a control character's pairs (whatever follows it) carry its CONTROL bits
 * instead: scanAscii learns both from one lookup per character.
 */
const ASCII_PAIRS = PAIRS.slice();
for (let c = 0; c < 128; c++) if (CONTROL[c] !== 0) ASCII_PAIRS.fill(CONTROL[c], c << 7, (c + 1) << 7);

/** The word occurs at text[at, end). */
function wordAt(text: string, at: number, end: number, w: Word): boolean {
  const chars = w.chars;
  if (at + chars.length > end) return false;
  for (let j = 2; j < chars.length; j++) {
    const c = text.charCodeAt(at + j);
    if (c >= 128 || chars[j][c] === 0) return false;
  }
  return true;
}

/** wordAt for ASCII bytes. */
function wordAtBytes(bytes: Uint8Array, at: number, end: number, w: Word): boolean {
  const chars = w.chars;
  if (at + chars.length > end) return false;
  for (let j = 2; j < chars.length; j++) if (chars[j][bytes[at + j]] === 0) return false;
  return true;
}

/** The categories found in text[start, end): ESCAPE, CR, and words of CRASH and FACT. */
function scanText(text: string, start: number, end: number): number {
  let found = 0;
  let next = start < end ? text.charCodeAt(start) : 0;
  for (let i = start; i < end; i++) {
    const c = next;
    next = i + 1 < end ? text.charCodeAt(i + 1) : 0;
    if (c < 0x20 || c >= 0x7f) {
      if (c < 0x100) found |= CONTROL[c];
      continue;
    }
    if (next >= 0x80) continue;
    const k = (c << 7) | next;
    if ((PAIRS[k] & ~found) === 0) continue;
    for (const w of PAIR_WORDS[k])
      if ((w.category & found) === 0 && wordAt(text, i, end, w)) found |= w.category;
  }
  return found;
}

/**
 * scanText over bytes[start, end) of an all-ASCII chunk, where the line's `\r` or `\n`
 * follows at bytes[end]: every byte is below 0x80 and the pair at end - 1 is no word's.
 */
function scanAscii(bytes: Uint8Array, start: number, end: number): number {
  let found = 0;
  let next = bytes[start];
  for (let i = start; i < end; i++) {
    const c = next;
    next = bytes[i + 1];
    const k = (c << 7) | next;
    const bits = ASCII_PAIRS[k] & ~found;
    if (bits === 0) continue;
    if ((bits & (ESCAPE | CR)) !== 0) {
      found |= CONTROL[c];
      continue;
    }
    const words = PAIR_WORDS[k];
    for (let j = 0; j < words.length; j++) {
      const w = words[j];
      if ((w.category & found) === 0 && wordAtBytes(bytes, i, end, w)) found |= w.category;
    }
  }
  return found;
}

/** The prefilter's answers for the line being read. */
export class LineHints {
  /** The line may hold terminal escapes or control bytes. */
  escapes = true;
  /** The line may hold a carriage return (other than the `\r\n` already removed). */
  cr = true;
  private text = '';
  private bytes: Uint8Array | null = null;
  private found = ESCAPE | CR | CRASH | FACT;

  /**
   * A decoded chunk (or a lone line) whose lines are asked next; `bytes`: the chunk's own
   * bytes, when it is all ASCII and each line asked is followed in it by its `\r` or `\n`.
   */
  chunk(text: string, bytes?: Uint8Array): void {
    this.text = text;
    this.bytes = bytes ?? null;
  }

  /** The line being read is text[start, end) of the current chunk. */
  line(start: number, end: number): void {
    const found = this.bytes !== null ? scanAscii(this.bytes, start, end) : scanText(this.text, start, end);
    this.found = found;
    this.escapes = (found & ESCAPE) !== 0;
    this.cr = (found & CR) !== 0;
  }

  // Removing an escape can join two halves of a word: a line with escapes is not scanned.

  /** A crash header word occurs (the crash tracker need not see the line otherwise). */
  crashWord(): boolean {
    return (this.found & (ESCAPE | CRASH)) !== 0;
  }

  /** A word some kernel fact needs occurs (else the line is at most a driver sighting). */
  factWord(): boolean {
    return (this.found & (ESCAPE | FACT)) !== 0;
  }
}
