/**
 * Whether a closed report is whole, by syzkaller's rule for marking reports `corrupted`: a
 * report that should carry a stack must print one (a `Call Trace:`, `backtrace:`,
 * `Allocated by task N:` ... line with a frame soon after it), a title must not have a
 * console stamp glued into it, and some formats are in themselves the tail of a lost report.
 */
import type { CrashFormat } from './tables/crashes.ts';

/** Lines that start a stack in a report (syzkaller's stack starts; not lockdep's `stack backtrace:`). */
const STACK_START_RES: readonly RegExp[] = [
  /Call [Tt]race/,
  /Allocated:/,
  /Allocated by task \d+:/,
  /Freed:/,
  /Freed by task \d+:/,
  /[^k] backtrace(?: \(crc [0-9a-f]*\))?:/,
  /Backtrace:/,
  /Uninit was stored to memory at/,
  // KFENCE prints the access's stack right under its own line, with no `Call Trace:` (a
  // report syzkaller sees only with registers, which add one).
  /^(?:(?:Use-after-free|Out-of-bounds|Invalid) (?:read|write) at|Invalid free of|Corrupted memory at) /,
  /^kfence-#\d+.* (?:allocated|freed) by task \d+|^(?:allocated|freed) by task \d+/,
];
// riscv64's show_regs() from kernel mode dumps the stack with no heading after this line.
const RISCV_REGS_END_RE = /status: [0-9a-f]{16} badaddr: [0-9a-f]{16} cause: [0-9a-f]{16}/;
const FRAME_RES: readonly RegExp[] = [
  /^ *(?:\[<?(?:0x)?[0-9a-f]+>?\] ){0,2}[A-Za-z0-9_]+[.+]/,
  // arm32: `[<80c1e5e8>] (__schedule) from [<80c1eb20>] (schedule+0x60/0xdc)`.
  /^ *\[<?(?:0x)?[0-9a-f]+>?\] \([A-Za-z0-9_.]+\) from /,
];
// Frames the unwinder only guessed (`? f+0x..`, powerpc's `(unreliable)`) do not count.
const UNRELIABLE_RE = /^\s*(?:\[<?[0-9a-f]+>?\])?\s*\? |\(unreliable\)$/;
const STAMP_IN_TITLE_RE = /\[ *\d+\.\d+\]/;
/** Lines after a stack start that are searched for its first frame. */
const FRAME_WINDOW = 15;

function isFrame(line: string): boolean {
  return FRAME_RES.some((re) => re.test(line));
}

const ALL_STARTS = [...STACK_START_RES, RISCV_REGS_END_RE];

interface StackStart {
  /** Lines seen after the heading. */
  after: number;
  found: boolean;
  /** The window closed (another heading, or FRAME_WINDOW lines) without a frame. */
  stopped: boolean;
}

/**
 * Watches a report's lines, however many of them are kept, for stacks: the first heading
 * of each kind must have a frame within FRAME_WINDOW lines (before the next heading).
 */
export class StackWitness {
  private readonly starts = new Map<RegExp, StackStart>();

  feed(line: string): void {
    // Frames the unwinder only guessed are not read at all (as syzkaller drops those lines).
    if (!line.includes('<EOI>') && UNRELIABLE_RE.test(line)) return;
    for (const st of this.starts.values()) {
      st.after++;
      if (st.found || st.stopped) continue;
      if (st.after > FRAME_WINDOW || STACK_START_RES.some((re) => re.test(line))) st.stopped = true;
      else if (line.includes('(stack is not available)') || isFrame(line)) st.found = true;
    }
    for (const re of ALL_STARTS)
      if (!this.starts.has(re) && re.test(line))
        this.starts.set(re, { after: 0, found: false, stopped: false });
  }

  /** The report printed no stack, or a stack heading with no frame under it. */
  missing(): boolean {
    let printed = false;
    for (const [re, st] of this.starts) {
      if (re === RISCV_REGS_END_RE) {
        printed ||= st.found;
        continue;
      }
      // Fewer than two lines after the heading, or no frame soon after it: the trace was cut.
      if (st.after < 2 || !st.found) return true;
      printed = true;
    }
    return !printed;
  }
}

/**
 * Whether syzbot would mark this report `corrupted` (its function aside, judged by the title
 * rules). `followsReport`: another report came just before; a panic after an oops is its
 * ending, whose stack (and lost header) that report already has.
 */
export function reportCut(
  format: CrashFormat,
  match: RegExpExecArray,
  title: string,
  stack: StackWitness,
  followsReport: boolean,
): boolean {
  if (STAMP_IN_TITLE_RE.test(title)) return true;
  if (format.kind === 'panic' && followsReport) return false;
  if (format.cut) return true;
  const noStack = format.noStack instanceof RegExp ? format.noStack.test(match[0]) : format.noStack === true;
  return !noStack && stack.missing();
}
