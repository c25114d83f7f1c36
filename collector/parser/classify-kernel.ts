/**
 * Reads one kernel message (frame removed) into the facts it states: a milestone, an init
 * exec attempt, a probe, a mount failure, an initcall timing, a missing option, an errno.
 * Stateless; the boot parser decides what the facts mean in sequence.
 */
import { type ErrnoMatch, errnoByName, errnoName, findErrno } from './errno.ts';
import { byFirstChar } from './first-char.ts';
import { readInitcallDone, readInitcallStart } from './initcall-line.ts';
import { BUS_CORE_NAMES, DEVICE_NAME_RE, BOOT_MESSAGES as M } from './tables/messages.ts';

export interface ProbeFact {
  driver: string | null;
  device: string;
  /** true: bound; false: failed; null: the driver only spoke about the device (a sighting). */
  ok: boolean | null;
  errno?: number;
  usecs?: number;
  /** initcall_debug timing line: ret -19/-6 means "not my device", not a failure. */
  timing?: boolean;
}

export interface MountFact {
  source: string | null;
  target: string | null;
  fstype: string | null;
  errno: number | null;
}

export interface KernelFacts {
  banner?: string;
  cmdline?: { value: string; final: boolean };
  console?: string;
  initramfsStart?: true;
  initramfsFailed?: string;
  initramfsDone?: true;
  rootMounted?: { fstype: string; device: string };
  initRun?: string;
  initRunDetail?: true;
  initFailed?: { path: string; errno: number };
  noWorkingInit?: true;
  initKilled?: true;
  shutdown?: string;
  initcallStart?: { fn: string };
  initcallDone?: { fn: string; module: string | null; ret: number; usecs: number };
  probe?: ProbeFact;
  mount?: MountFact;
  missingConfig?: string[];
  errno?: ErrnoMatch;
  bits32?: true;
  panicReason?: string;
}

/**
 * KernelFacts with every field present: one object shape, so the boot parser's reads of
 * the fields stay monomorphic (objects of varying shapes made them a tenth of parse time).
 */
class Facts implements KernelFacts {
  banner: string | undefined = undefined;
  cmdline: { value: string; final: boolean } | undefined = undefined;
  console: string | undefined = undefined;
  initramfsStart: true | undefined = undefined;
  initramfsFailed: string | undefined = undefined;
  initramfsDone: true | undefined = undefined;
  rootMounted: { fstype: string; device: string } | undefined = undefined;
  initRun: string | undefined = undefined;
  initRunDetail: true | undefined = undefined;
  initFailed: { path: string; errno: number } | undefined = undefined;
  noWorkingInit: true | undefined = undefined;
  initKilled: true | undefined = undefined;
  shutdown: string | undefined = undefined;
  initcallStart: { fn: string } | undefined = undefined;
  initcallDone: { fn: string; module: string | null; ret: number; usecs: number } | undefined = undefined;
  probe: ProbeFact | undefined = undefined;
  mount: MountFact | undefined = undefined;
  missingConfig: string[] | undefined = undefined;
  errno: ErrnoMatch | undefined = undefined;
  bits32: true | undefined = undefined;
  panicReason: string | undefined = undefined;

  /** Back to stating nothing (one object serves every line). */
  clear(): this {
    this.banner = undefined;
    this.cmdline = undefined;
    this.console = undefined;
    this.initramfsStart = undefined;
    this.initramfsFailed = undefined;
    this.initramfsDone = undefined;
    this.rootMounted = undefined;
    this.initRun = undefined;
    this.initRunDetail = undefined;
    this.initFailed = undefined;
    this.noWorkingInit = undefined;
    this.initKilled = undefined;
    this.shutdown = undefined;
    this.initcallStart = undefined;
    this.initcallDone = undefined;
    this.probe = undefined;
    this.mount = undefined;
    this.missingConfig = undefined;
    this.errno = undefined;
    this.bits32 = undefined;
    this.panicReason = undefined;
    return this;
  }
}

const PANIC_RE = /^Kernel panic - not syncing: (.*?)\s*$/;

type Apply = (m: RegExpExecArray, f: KernelFacts) => void;

/** Messages that state one fact each; the first that matches wins. */
const FIRST_MATCH: ReadonlyArray<readonly [RegExp, Apply]> = [
  [M.banner, (m, f) => (f.banner = m[1])],
  [M.cmdlineFinal, (m, f) => (f.cmdline = { value: m[1], final: true })],
  [M.cmdlineEarly, (m, f) => (f.cmdline = { value: m[1], final: false })],
  [
    M.initcallDone,
    (m, f) => (f.initcallDone = { fn: m[1], module: m[2] ?? null, ret: num(m[3]), usecs: num(m[4]) }),
  ],
  [M.initcallStart, (m, f) => (f.initcallStart = { fn: m[1] })],
  [M.initRun, (m, f) => (f.initRun = m[1])],
  ...[M.initFailed, M.initExistsButFailed, M.initDefaultFailed, M.initRequestedFailed].map(
    (re) =>
      [
        re,
        (m: RegExpExecArray, f: KernelFacts) => (f.initFailed = { path: m[1], errno: num(m[2]) }),
      ] as const,
  ),
  [M.initramfsStart, (_m, f) => (f.initramfsStart = true)],
  [M.initramfsFailed, (m, f) => (f.initramfsFailed = m[1] ?? m[2])],
  [M.initramfsDone, (_m, f) => (f.initramfsDone = true)],
  [M.rootMounted, (m, f) => (f.rootMounted = { fstype: m[1], device: m[3] })],
  [M.shutdown, (m, f) => (f.shutdown = m[1] ?? m[2] ?? m[3])],
  [M.highmem, (_m, f) => (f.bits32 = true)],
  [M.console, (m, f) => (f.console = m[1])],
];

/** FIRST_MATCH by a message's first character (see first-char.ts). */
const FIRST_MATCH_BY_CHAR = byFirstChar(FIRST_MATCH, ([re]) => re);

function num(s: string): number {
  return Number.parseInt(s, 10);
}

function probeFacts(msg: string): ProbeFact | undefined {
  let m = M.probeTiming.exec(msg);
  if (m)
    return {
      driver: null,
      device: m[1],
      ok: num(m[2]) === 0,
      errno: num(m[2]),
      usecs: num(m[3]),
      timing: true,
    };
  m = M.probeFailed.exec(msg);
  if (m) return { driver: m[1] ?? m[2] ?? null, device: m[3], ok: false, errno: num(m[4]) };
  m = M.probeErr.exec(msg);
  if (m && DEVICE_NAME_RE.test(m[2])) {
    const errno = m[3].startsWith('-E') ? errnoByName(m[3].slice(1)) : num(m[3]);
    if (errno !== null && errno !== -517) return { driver: m[1], device: m[2], ok: false, errno };
  }
  m = M.scsiHost.exec(msg);
  if (m) return { driver: m[2], device: `host${m[1]}`, ok: true };
  m = M.blockDisk.exec(msg);
  if (m) {
    if (m[1]) return { driver: 'sd', device: m[1], ok: true };
    if (m[3]) return { driver: 'virtio_blk', device: m[3], ok: true };
    if (m[5]) return { driver: 'nvme', device: m[5], ok: true };
  }
  return deviceLineFacts(msg);
}

/** A netdev coming up, or a driver speaking about a device (a sighting). */
function deviceLineFacts(msg: string): ProbeFact | undefined {
  let m = M.netdev.exec(msg);
  if (m && DEVICE_NAME_RE.test(m[2]) && !BUS_CORE_NAMES.has(m[1]))
    return { driver: m[1], device: m[2], ok: true };
  m = M.devLine.exec(msg);
  // "drv dev: shutdown" is device_shutdown() at power-off, not a probe.
  if (m && DEVICE_NAME_RE.test(m[2]) && !BUS_CORE_NAMES.has(m[1]) && m[3] !== 'shutdown') {
    return { driver: m[1], device: m[2], ok: null };
  }
  return undefined;
}

function mountFacts(msg: string): MountFact | undefined {
  let m = M.rootOpenFailed.exec(msg);
  if (m) return { source: m[1] || m[2], target: '/', fstype: null, errno: num(m[3]) };
  m = M.rootUnable.exec(msg);
  if (m) return { source: m[1], target: '/', fstype: null, errno: null };
  m = M.fsCantFind.exec(msg);
  if (m) {
    const fs = m[1].replace(/-fs$/i, '').toLowerCase();
    return { source: m[2], target: null, fstype: fs, errno: null };
  }
  return undefined;
}

function missingConfig(msg: string): string[] | undefined {
  if (!msg.includes('CONFIG_')) return undefined;
  const found = new Set<string>();
  for (const re of [M.missingConfig, M.missingConfigBefore]) {
    const g = new RegExp(re.source, re.flags.includes('g') ? re.flags : `${re.flags}g`);
    for (const m of msg.matchAll(g)) found.add(m[1]);
  }
  return found.size ? [...found] : undefined;
}

/**
 * Words one of the patterns above needs: a line with none of them states no fact but a
 * driver sighting, so the common line skips ~40 regular expressions (see bench parser).
 * The prefilter scans whole chunks for them (prefilter.ts).
 */
export const FACT_WORDS =
  /Linux version|ommand line|console \[|nitramfs|nitrd|rootfs|VFS|init|reboot|halted|Power down|Restarting|new kernel|probe|scsi host|HIGHMEM|LOWMEM|HighMem|non-PAE|CONFIG_|-fs |XFS|BTRFS|SQUASHFS|ISOFS|filesystem|rr|ret|rc=|status|code|fail|Fail|FAIL|-E[A-Z]|\(-\d|unable|Unable|cannot|can't|could|timed out|timeout|not found|No such|no such|invalid|Invalid|refused|denied|corrupt|bad|Bad|\[sd|\[vd|nvme|panic|Warning|WARNING/;
/** The answer for a line that states nothing: compare by identity to skip work. */
export const NO_FACTS: KernelFacts = Object.freeze(new Facts());
const scratch = new Facts();
/** The answers for initcall_debug's two lines: each holds only its one fact, so is never cleared. */
const initcallDoneFacts = new Facts();
const initcallStartFacts = new Facts();
const initcallStarted = { fn: '' };
initcallStartFacts.initcallStart = initcallStarted;

/** The one Facts object classifyKernelMessage answers with, cleared: no object per line. */
function fresh(): Facts {
  return scratch.clear();
}

/**
 * A `driver device: message` line about a device: a sighting. Without a fact word only the
 * last two probe patterns can match (the others need `probe`, `error`, `scsi host`, `[sd`,
 * `[vd` or `nvme`), and both need a lowercase driver name first.
 */
function sighting(msg: string): KernelFacts {
  const c = msg.charCodeAt(0);
  if (c < 0x61 || c > 0x7a) return NO_FACTS;
  const sp = msg.indexOf(' ');
  if (sp <= 0 || BUS_CORE_NAMES.has(msg.slice(0, sp))) return NO_FACTS;
  const probe = deviceLineFacts(msg);
  if (!probe) return NO_FACTS;
  const f = fresh();
  f.probe = probe;
  return f;
}

/**
 * Extracts the facts a kernel message states. Never throws. `mayState()` false: the
 * prefilter found none of FACT_WORDS in the line (asked only when it matters). The answer
 * is valid until the next call: read it, never keep it.
 */
export function classifyKernelMessage(msg: string, mayState: () => boolean = () => true): KernelFacts {
  // initcall_debug's lines, most of such a log: each pattern is anchored on its own word.
  const first = msg.charCodeAt(0);
  if (first === 0x69 && msg.startsWith('initcall ')) {
    const done = readInitcallDone(msg);
    if (done) {
      initcallDoneFacts.initcallDone = done;
      return initcallDoneFacts;
    }
  } else if (first === 0x63) {
    const fn = readInitcallStart(msg);
    if (fn !== null) {
      initcallStarted.fn = fn;
      return initcallStartFacts;
    }
  }
  if (!mayState() || !FACT_WORDS.test(msg)) return sighting(msg);
  const f = fresh();
  const panic = PANIC_RE.exec(msg);
  // A panic's reason is a message of its own ("VFS: Unable to mount root fs ...").
  const text = panic ? panic[1] : msg;
  if (panic) f.panicReason = panic[1];

  const c = text.charCodeAt(0);
  for (const [re, apply] of c < 128 ? FIRST_MATCH_BY_CHAR.ascii[c] : FIRST_MATCH_BY_CHAR.other) {
    const m = re.exec(text);
    if (m) {
      apply(m, f);
      break;
    }
  }

  if (M.noWorkingInit.test(text)) f.noWorkingInit = true;
  if (M.initKilled.test(text)) f.initKilled = true;
  if (!f.initcallDone && !f.initcallStart && !f.banner) {
    f.probe = probeFacts(text);
    f.mount = mountFacts(text);
  }
  f.missingConfig = missingConfig(text);
  // Initcall returns carry their code in the initcall table, not as an error line.
  if (!f.initcallDone && !f.probe?.timing) {
    const e = f.initFailed
      ? { errno: f.initFailed.errno, name: errnoName(f.initFailed.errno), form: 'number' as const }
      : findErrno(text);
    if (e && e.errno !== -517) f.errno = e;
  }
  return f;
}
