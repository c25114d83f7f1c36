/**
 * Names a crash the way syzbot does: the guilty function found by the format's rule
 * (tables/crashes.ts) over the frames a report printed, skipping helpers (tables/frames.ts),
 * the title rendered from the format's template, the guilty source file, and a signature
 * that groups reports of one bug across boots.
 */
import type { CrashKind, StackFrame } from '../../common/types/parse.ts';
import type { CrashFormat } from './tables/crashes.ts';
import {
  baseFunctionName,
  GUILTY_FILE_IGNORES,
  HUNG_TASK_BUCKETS,
  HUNG_TASK_SKIP,
  SKIP_FRAMES,
  STALL_ANCHOR_FRAMES,
  STALL_SAME_ISSUE,
  SYSCALL_PREFIXES,
  skipMatcher,
} from './tables/frames.ts';

/** What a closed report printed, as the title rules need it. */
export interface ReportFacts {
  match: RegExpExecArray;
  /** Every frame of the report in order (unreliable `?` frames included, marked). */
  frames: StackFrame[];
  /** Faulting-instruction functions (RIP/EIP/pc), each with the frame index it came before. */
  rips: { fn: string; at: number }[];
  /** The link register (arm64 `lr`, riscv `ra`, arm `LR is at`) of the first RIP. */
  lr: string | null;
  /** Frame index where the first `Call Trace:`/`backtrace:` began, or -1. */
  traceAt: number;
  /** Frame index where page_owner's `page last allocated` stack began, or -1. */
  allocAt: number;
  /** Frame index of arm32's first `Exception stack(...)` dump (an interrupt's entry), or -1. */
  exceptionAt: number;
  /** Frame index after lockdep's first `... which became X-irq-safe at:`, or -1. */
  becameAt: number;
  /** Lockdep's `at: FUNC` functions, in order. */
  lockAts: string[];
  /** A workqueue report's `last function: FUNC`. */
  lastFunction: string | null;
  /** The work function of the first `Workqueue: NAME FUNC` line. */
  workFunction: string | null;
  access: string | null;
  /** Source files the report names, in order. */
  files: string[];
  /** The first of them as printed. */
  src: string | null;
  /** The report's line after its header (a Rust panic's message). */
  nextLine: string | null;
}

const GLOBAL_SKIP = skipMatcher(SKIP_FRAMES);
const skipByFormat = new Map<CrashFormat, RegExp>();

function skipFor(format: CrashFormat): RegExp {
  let re = skipByFormat.get(format);
  if (!re) {
    if (format.skipOnly) re = skipMatcher(format.skip ?? []);
    else re = format.skip?.length ? skipMatcher([...SKIP_FRAMES, ...format.skip]) : GLOBAL_SKIP;
    skipByFormat.set(format, re);
  }
  return re;
}

function reliableFrom(facts: ReportFacts, from: number): string[] {
  const out: string[] = [];
  for (let i = Math.max(0, from); i < facts.frames.length; i++)
    if (facts.frames[i].reliable) out.push(baseFunctionName(facts.frames[i].fn));
  return out;
}

/**
 * The first RIP and the stack printed after it; the whole stack when no RIP was printed.
 * The link register (arm64 `lr`, riscv64 `ra`) stands in for a stack only when none was
 * printed: it may be stale, and the call trace names the caller anyway.
 */
function ripThenStack(facts: ReportFacts): string[] {
  const rip = facts.rips[0];
  if (!rip) return reliableFrom(facts, 0);
  const stack = reliableFrom(facts, rip.at);
  const head = [baseFunctionName(rip.fn)];
  if (facts.lr && stack.length === 0) head.push(baseFunctionName(facts.lr));
  return [...head, ...stack];
}

function stripSyscallPrefix(fn: string): string {
  for (const p of SYSCALL_PREFIXES) if (fn.startsWith(p) && fn.length > p.length) return fn.slice(p.length);
  return fn;
}

/** Stalls loop somewhere below a dispatcher: name the frame just above the first one. */
function stallFrame(frames: string[]): string | null {
  for (let i = 0; i < frames.length; i++) {
    if (!STALL_ANCHOR_FRAMES.some((re) => re.test(frames[i]))) continue;
    for (const [re, name] of STALL_SAME_ISSUE) if (re.test(frames[i])) return name;
    return stripSyscallPrefix(frames[i > 0 ? i - 1 : 0]);
  }
  // A stack cut before any dispatcher names no culprit (syzkaller: `in corrupted`).
  return null;
}

function stallCandidates(facts: ReportFacts): string[] {
  // An RCU stall's own reporting runs in the timer interrupt: what it interrupted is below.
  const irq = facts.frames.findIndex((f) => f.fn.includes('apic_timer_interrupt'));
  // arm32 shows no timer frame by name: the interrupted code follows its first exception stack.
  if (irq < 0 && facts.exceptionAt >= 0) return reliableFrom(facts, facts.exceptionAt);
  if (irq < 0) return ripThenStack(facts);
  const rip = facts.rips.find((r) => r.at > irq);
  return rip ? [baseFunctionName(rip.fn), ...reliableFrom(facts, rip.at)] : reliableFrom(facts, irq + 1);
}

function hungFrame(frames: string[]): string | null {
  for (const f of frames) for (const [anchor, name] of HUNG_TASK_BUCKETS) if (f.includes(anchor)) return name;
  return frames.find((f) => !HUNG_TASK_SKIP.some((s) => f.includes(s))) ?? null;
}

/** The guilty function by the format's rule, or null. */
export function guiltyFunction(format: CrashFormat, facts: ReportFacts): string | null {
  const skip = skipFor(format);
  const keep = (list: string[]) => list.filter((f) => !skip.test(f));
  // Without a `Call Trace:` these rules have no stack (stray frames are lockdep's `at:` lines).
  const stack = () => (facts.traceAt < 0 ? [] : reliableFrom(facts, facts.traceAt));
  const headerFn = format.fnGroup !== undefined ? (facts.match[format.fnGroup] ?? null) : null;
  switch (format.fn) {
    case 'header':
      return headerFn ? baseFunctionName(headerFn) : null;
    case 'header_stack': {
      // Sanitizers print the access's stack right under the header (KASAN after `Call Trace:`).
      const head = headerFn ? [baseFunctionName(headerFn)] : [];
      return keep([...head, ...reliableFrom(facts, 0)])[0] ?? null;
    }
    // A WARN is named by its stack only: a header-only WARN is `WARNING in corrupted`.
    case 'rip':
    case 'warning':
      return keep(ripThenStack(facts))[0] ?? null;
    case 'stack':
      return keep(stack())[0] ?? null;
    case 'lock_at': {
      // Lockdep names the function on its `at:` line; only deadlock reports skip helpers there.
      const at = facts.lockAts.slice(0, format.atLines ?? 2).map(baseFunctionName);
      if (format.atSkip && at.length && skipMatcher(format.atSkip).test(at[0]))
        return keep(stack())[0] ?? null;
      if (at.length && !format.skip) return at[0];
      return keep([...at, ...stack()])[0] ?? null;
    }
    case 'stall':
      // A soft lockup prints the looping code's registers first: the timer interrupt below
      // it is the watchdog's own, not (as in an RCU stall's) the reporting one.
      return stallFrame(keep(format.kind === 'lockup' ? ripThenStack(facts) : stallCandidates(facts)));
    case 'hung':
      return hungFrame(keep(stack()));
    case 'page_owner':
      // Without page_owner's record of who allocated the page, syzkaller finds no culprit.
      return facts.allocAt < 0 ? null : (keep(reliableFrom(facts, facts.allocAt))[0] ?? null);
    case 'became':
      return facts.becameAt < 0 ? null : (keep(reliableFrom(facts, facts.becameAt))[0] ?? null);
    case 'last_function':
      return facts.lastFunction;
    case 'work_function':
      return facts.workFunction;
    default:
      return null;
  }
}

// Addresses and long hex numbers vary run to run; titles must not.
const ADDRESS_RE = /\b(?:0x)?[0-9a-f]{8,16}\b/g;
const OFFSET_RE = /\+0x[0-9a-f]+\/0x[0-9a-f]+/g;
// PIDs, sizes and the like (five digits and more): syzkaller's `NUM`.
const NUMBER_RE = /(^|[^A-Za-z0-9])[1-9][0-9]{4,}(?![0-9])/g;
// Source lines (`r8169_main.c:4430` in a decoded header): syzkaller's `LINE`.
const SOURCE_LINE_RE = /(\.\w+)(?::\d+)+/g;

/**
 * Renders the title. A report whose stack names no culprit is marked corrupted, like syzbot
 * does: `... in corrupted` when frames were printed, the title without ` in ...` when none.
 */
export function renderTitle(
  format: CrashFormat,
  facts: ReportFacts,
  fn: string | null,
): { title: string; corrupted: boolean } {
  let template = format.title;
  let corrupted = false;
  const bare = format.bare;
  const missing =
    bare &&
    (bare.when === 'access'
      ? !facts.access
      : bare.when === 'src'
        ? !facts.src
        : bare.when === 'next'
          ? !facts.nextLine
          : !fn);
  if (bare && missing) {
    template = bare.title;
    corrupted = true;
  } else if (!fn && template.includes('{fn}')) {
    corrupted = true;
    // syzkaller's rule: a format whose stack names no culprit (none printed, all skipped) is
    // titled `... in corrupted`; only bootwatch's own catch-alls keep a title of their own.
    if (format.fallback) {
      template = format.fallback;
      corrupted = false;
    } else fn = 'corrupted';
  }
  const group = (i: number) => {
    const g = facts.match[i] ?? '';
    if (format.kind === 'panic') return g;
    return g
      .replace(OFFSET_RE, '')
      .replace(SOURCE_LINE_RE, '$1:LINE')
      .replace(ADDRESS_RE, 'ADDR')
      .replace(NUMBER_RE, '$1NUM')
      .trim();
  };
  const loc = format.locGroup !== undefined ? (facts.match[format.locGroup] ?? '') : '';
  const title = template
    .replace(/\{(\d)\}/g, (_, i: string) => group(Number(i)))
    .replace('{fn}', fn ?? '')
    .replace('{loc}', loc)
    .replace('{src}', facts.src ?? '')
    .replace('{next}', facts.nextLine ?? '')
    .replace(' {access}', facts.access ? ` ${facts.access}` : '')
    .trim();
  return { title, corrupted };
}

const FILE_RE = /([A-Za-z0-9_\-./]*[A-Za-z0-9_-]+\.[ch]):\d+/g;
// A build directory before the tree's own top-level directories: `/home/u/linux/mm/slub.c`.
const TREE_TOP_RE =
  /^.*?\/((?:arch|block|certs|crypto|drivers|fs|include|init|io_uring|ipc|kernel|lib|mm|net|rust|security|sound|virt)\/.*)$/;

/** Source files a report line names (`kernel/foo.c:12`), in order, relative to the tree. */
export function filesIn(line: string): string[] {
  if (!line.includes('.c:') && !line.includes('.h:')) return [];
  const out: string[] = [];
  for (const m of line.matchAll(FILE_RE)) {
    const f = m[1].replace(/^(?:\.\/)+/, '');
    out.push(f.startsWith('/') ? (TREE_TOP_RE.exec(f)?.[1] ?? f) : f);
  }
  return out;
}

const ignoredFile = (f: string) => GUILTY_FILE_IGNORES.some((re) => re.test(f));
// At least one directory deeper than the one it is compared with: `/netfilter/nf_reject_ipv4.c`.
const DEEPER_RE = /^\/[A-Za-z0-9_\-./]+\/[A-Za-z0-9_-]+\.[ch]$/;

/**
 * The first named file that is not a header or core plumbing (else the first named at all),
 * then any later one deeper below its directory: net/ipv4/netfilter.c called from
 * net/ipv4/netfilter/nf_reject_ipv4.c routes to the netfilter maintainers.
 */
export function guiltyFile(files: readonly string[]): string | null {
  const first = files.findIndex((f) => !ignoredFile(f));
  if (first < 0) return files[0] ?? null;
  let guilty = files[first];
  let dir = guilty.slice(0, guilty.lastIndexOf('/'));
  for (const f of files.slice(first + 1)) {
    if (!dir || ignoredFile(f) || !f.startsWith(dir) || !DEEPER_RE.test(f.slice(dir.length))) continue;
    guilty = f;
    dir = f.slice(0, f.lastIndexOf('/'));
  }
  return guilty;
}

/**
 * Groups reports of one bug: kind and title with what varies between runs normalised —
 * addresses, hex values, decimal numbers (CPU, PID, sizes, error codes), `.isra.N` suffixes.
 */
export function crashSignature(kind: CrashKind, title: string): string {
  const norm = title
    .replace(/\.(?:isra|constprop|part|cold|llvm)\.\d+/g, '')
    .replace(/\b0x[0-9a-f]+\b/gi, '0xX')
    .replace(/\b[0-9a-f]{8,16}\b/g, 'X')
    .replace(/(^|[^A-Za-z0-9_])-?\d+(?=$|[^A-Za-z0-9_])/g, '$1N')
    .replace(/\s+/g, ' ')
    .trim();
  return `${kind}:${norm}`;
}
