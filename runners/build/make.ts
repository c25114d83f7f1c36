/**
 * Runs the kernel's make in an O= dir with ccache and -j from the CPU count, reporting
 * progress from Kbuild's step lines and measuring wall/user/sys of the whole tree of
 * processes (the children's rusage, which Node collects when make is waited for).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { ARCH_FACTS, type Arch, DEFAULT_ARCH } from '../../common/arch.ts';
import { crossCompilePrefix } from '../host-arch.ts';
import { runCommand } from '../process.ts';

export interface MakeResult {
  exitCode: number | null;
  spawnError: string | null;
  wallMs: number;
  userMs: number;
  sysMs: number;
  log: string;
  steps: number;
  command: string;
}

export interface MakeOptions {
  srcDir: string;
  outDir: string;
  /** Guest architecture (default x86_64): ARCH=, CROSS_COMPILE= and the image target. */
  arch?: Arch;
  targets?: string[];
  jobs?: number;
  ccache?: boolean;
  env: NodeJS.ProcessEnv;
  /** Aborts the build (an agent that lost its lease). */
  signal?: AbortSignal;
  /** percent 0..100 (estimated from the last build of this dir), and the step line. */
  onProgress?: (percent: number, step: string) => void;
}

/** `  CC      kernel/fork.o` — one Kbuild step. */
const STEP = /^\s{2}([A-Z][A-Z0-9_-]{1,9})\s+(\S.*)$/;
const STEPS_FILE = '.bootwatch-steps';
/** Steps of a first allnoconfig-sized build, when there is no previous count. */
const DEFAULT_STEPS = 1200;

/** User and system time of this process's waited-for children, in ms (Linux /proc). */
function childCpuMs(): { user: number; sys: number } {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const tick = 1000 / 100; // USER_HZ is 100 on every Linux this runs on
    return { user: Number(f[13]) * tick, sys: Number(f[14]) * tick };
  } catch {
    return { user: 0, sys: 0 };
  }
}

/** `ARCH=` and, off the host's arch, `CROSS_COMPILE=` (config steps need them too). */
export function archArgs(arch: Arch = DEFAULT_ARCH): string[] {
  const cross = crossCompilePrefix(arch);
  return [`ARCH=${ARCH_FACTS[arch].kbuildArch}`, ...(cross ? [`CROSS_COMPILE=${cross}`] : [])];
}

/** The make command line, also used by the benchmark's bare run. */
export function makeArgs(
  o: Pick<MakeOptions, 'srcDir' | 'outDir' | 'arch' | 'targets' | 'jobs' | 'ccache'>,
): string[] {
  const jobs = o.jobs ?? availableParallelism();
  const arch = o.arch ?? DEFAULT_ARCH;
  const args = ['-C', o.srcDir, `O=${o.outDir}`, ...archArgs(arch), `-j${jobs}`];
  if (o.ccache !== false) args.push(`CC=ccache ${crossCompilePrefix(arch)}gcc`, 'HOSTCC=ccache gcc');
  return [...args, ...(o.targets ?? [ARCH_FACTS[arch].imageTarget])];
}

/** Builds; never throws: a failed build is a result. */
export async function runMake(o: MakeOptions): Promise<MakeResult> {
  const args = makeArgs(o);
  let expected = DEFAULT_STEPS;
  try {
    expected = Math.max(50, Number(readFileSync(join(o.outDir, STEPS_FILE), 'utf8')) || DEFAULT_STEPS);
  } catch {}
  let steps = 0;
  let lastPct = -1;
  const cpu0 = childCpuMs();
  const t0 = performance.now();
  const r = await runCommand('make', args, {
    env: o.env,
    signal: o.signal,
    keep: 8 << 20,
    onLine: (line) => {
      const m = line.match(STEP);
      if (!m) return;
      steps++;
      const pct = Math.min(99, Math.floor((steps / expected) * 100));
      if (pct !== lastPct || steps % 20 === 0) {
        lastPct = pct;
        o.onProgress?.(pct, `${m[1]} ${m[2]}`);
      }
    },
  });
  const wallMs = performance.now() - t0;
  const cpu1 = childCpuMs();
  if (r.code === 0 && steps > 20) writeFileSync(join(o.outDir, STEPS_FILE), String(steps));
  if (r.code === 0) o.onProgress?.(100, 'done');
  return {
    exitCode: r.code,
    spawnError: r.spawnError,
    wallMs,
    userMs: cpu1.user - cpu0.user,
    sysMs: cpu1.sys - cpu0.sys,
    log: r.output,
    steps,
    command: `make ${args.map((a) => (a.includes(' ') ? `'${a}'` : a)).join(' ')}`,
  };
}
