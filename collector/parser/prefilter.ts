/**
 * The parser's prefilter: which lines can state anything. One pass over each line's
 * characters finds control bytes, carriage returns and both word sets (crash headers, kernel
 * facts) at once, so the common line, with none of the words, is read without any regular
 * expression: V8's regular expressions scan a long alternation of words several times slower
 * than an automaton that reads each character once.
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
// No word holds a control character, so a control ends any word being read.
if (CONTROL.subarray(0x20, 0x7f).some((x) => x !== 0)) throw new Error('prefilter: a printable control');

/** One word of a set: a category and, per character, the ASCII codes it accepts. */
interface Word {
  category: number;
  chars: number[][];
}

/**
 * The words of an alternation such as HEADER_HINT: literals, `\`-escapes, `\d` and `[A-Z]`
 * classes. Anything else throws at load: the table must say what the regular expression says.
 */
function wordsOf(re: RegExp, category: number): Word[] {
  if (re.flags.replace(/[gy]/g, '') !== '') throw new Error(`prefilter: /${re.source}/${re.flags}: flags`);
  return re.source.split('|').map((alt) => {
    const chars: number[][] = [];
    const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
    for (let i = 0; i < alt.length; ) {
      const c = alt[i];
      if (c === '\\' && alt[i + 1] === 'd') {
        chars.push(range(0x30, 0x39));
        i += 2;
      } else if (c === '\\' && /^[^\w\s]$/.test(alt[i + 1] ?? '')) {
        chars.push([alt.charCodeAt(i + 1)]);
        i += 2;
      } else if (c === '[' && /^\[[A-Za-z0-9]-[A-Za-z0-9]\]/.test(alt.slice(i))) {
        chars.push(range(alt.charCodeAt(i + 1), alt.charCodeAt(i + 3)));
        i += 5;
      } else if (/^[\x20-\x7e]$/.test(c) && !'\\^$.*+?()[]{}|'.includes(c)) {
        chars.push([alt.charCodeAt(i)]);
        i++;
      } else throw new Error(`prefilter: /${re.source}/: cannot read ${JSON.stringify(alt)}`);
    }
    if (chars.length === 0) throw new Error(`prefilter: /${re.source}/: an empty word`);
    return { category, chars };
  });
}

/**
 * An Aho-Corasick automaton over ASCII, made a full table: the state after reading a
 * character is NEXT[state << 7 | char]; OUTPUT gives the categories of the words (or the
 * control character) just read, 0 for most states, and is or-ed in unconditionally (a
 * branch on it cost more than the load).
 */
function automaton(words: Word[]): { next: Uint16Array; output: Uint8Array } {
  // The trie, state 0 its root; a child per character of each word's character sets.
  const child: Int32Array[] = [new Int32Array(128).fill(-1)];
  const out: number[] = [0];
  const add = (): number => {
    child.push(new Int32Array(128).fill(-1));
    out.push(0);
    return child.length - 1;
  };
  for (const w of words) {
    let states = [0];
    for (const set of w.chars) {
      const nextStates: number[] = [];
      for (const s of states)
        for (const c of set) {
          if (child[s][c] < 0) child[s][c] = add();
          nextStates.push(child[s][c]);
        }
      states = [...new Set(nextStates)];
    }
    for (const s of states) out[s] |= w.category;
  }
  // A control character leads to a state of its own that outputs its bits and then reads
  // on as the root does (no word holds one).
  const controlState = new Map<number, number>();
  for (const bits of new Set(CONTROL.subarray(0, 128))) {
    if (bits === 0) continue;
    const s = add();
    out[s] = bits;
    controlState.set(bits, s);
  }
  // Breadth first: each state's failure state is shallower, so it is complete when needed.
  const n = child.length;
  const delta = Array.from({ length: n }, () => new Int32Array(128));
  const fail = new Int32Array(n);
  const order: number[] = [];
  for (let c = 0; c < 128; c++) {
    const to = CONTROL[c] !== 0 ? controlState.get(CONTROL[c])! : Math.max(child[0][c], 0);
    delta[0][c] = to;
    if (child[0][c] >= 0 || CONTROL[c] !== 0) {
      fail[to] = 0;
      if (!order.includes(to)) order.push(to);
    }
  }
  for (let q = 0; q < order.length; q++) {
    const s = order[q];
    out[s] |= out[fail[s]];
    for (let c = 0; c < 128; c++) {
      const t = child[s][c];
      if (CONTROL[c] !== 0) delta[s][c] = delta[0][c];
      else if (t >= 0) {
        delta[s][c] = t;
        fail[t] = delta[fail[s]][c];
        order.push(t);
      } else delta[s][c] = delta[fail[s]][c];
    }
  }
  if (n > 0xffff) throw new Error('prefilter: too many states');
  const next = new Uint16Array(n << 7);
  for (let s = 0; s < n; s++) for (let c = 0; c < 128; c++) next[(s << 7) | c] = delta[s][c];
  return { next, output: Uint8Array.from(out) };
}

const { next: NEXT, output: OUTPUT } = automaton([
  ...wordsOf(HEADER_HINT, CRASH),
  ...wordsOf(FACT_WORDS, FACT),
]);

/** Where a step's state sits in STEP's entries (shifted: it is the next row's offset). */
const STATE_MASK = 0xffff80;
/** Where the categories the step's target state outputs sit in STEP's entries. */
const OUTPUT_SHIFT = 24;
/**
 * NEXT and OUTPUT as one table: each entry holds the target state, already shifted to be
 * its row's offset, and that state's output above it, so a character costs one lookup and
 * the lookups chain through an `and` alone (the scan waits on each lookup in turn).
 */
const STEP = Uint32Array.from(NEXT, (t) => (t << 7) | (OUTPUT[t] << OUTPUT_SHIFT));
if (NEXT.length > STATE_MASK + 1) throw new Error('prefilter: too many states for STEP');

/** The categories found in text[start, end): ESCAPE, CR, and words of CRASH and FACT. */
function scanText(text: string, start: number, end: number): number {
  let found = 0;
  let s = 0;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0x80) {
      // No word holds a character past ASCII: it ends any word being read.
      if (c < 0x100) found |= CONTROL[c] << OUTPUT_SHIFT;
      s = 0;
      continue;
    }
    const step = STEP[s | c];
    found |= step;
    s = step & STATE_MASK;
  }
  return found >>> OUTPUT_SHIFT;
}

/** A byte of a `[ seconds.fraction]` stamp's inside: space, `.` or a digit. */
function inStamp(c: number): boolean {
  return c === 0x20 || c === 0x2e || (c >= 0x30 && c <= 0x39);
}

/**
 * Whether reading `[`, stamp bytes and `]` from the start leaves the automaton where it
 * began, having found nothing: then a line's leading stamp need not be read (a sixth of
 * a typical line). Checked over every state those bytes can reach, so a word added to the
 * tables that breaks it (one with `]`, or made of digits) turns the skip off.
 */
function stampIsInert(): boolean {
  const seen = new Set<number>([NEXT[0x5b]]);
  for (const s of seen) {
    if (OUTPUT[s] !== 0 || NEXT[(s << 7) | 0x5d] !== 0) return false;
    for (let c = 0; c < 128; c++) if (inStamp(c)) seen.add(NEXT[(s << 7) | c]);
  }
  return OUTPUT[0] === 0;
}
const SKIP_STAMP = stampIsInert();

/** scanText over bytes[start, end) of an all-ASCII chunk. */
function scanAscii(bytes: Uint8Array, start: number, end: number): number {
  let found = 0;
  let s = 0;
  let from = start;
  if (SKIP_STAMP && bytes[start] === 0x5b) {
    let i = start + 1;
    while (i < end && inStamp(bytes[i])) i++;
    if (i < end && bytes[i] === 0x5d) from = i + 1;
  }
  for (let i = from; i < end; i++) {
    const step = STEP[s | bytes[i]];
    found |= step;
    s = step & STATE_MASK;
  }
  return found >>> OUTPUT_SHIFT;
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

  /** The current chunk's bytes when it is all ASCII (a line's are bytes[start, end)), else null. */
  get ascii(): Uint8Array | null {
    return this.bytes;
  }

  /**
   * A decoded chunk (or a lone line) whose lines are asked next; `bytes`: the chunk's own
   * bytes, when it is all ASCII.
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
