/**
 * Runs binutils' addr2line the way scripts/decode_stacktrace.sh does (`-i`: inlined
 * callers too), for many addresses in one process (`-a` marks where each answer starts).
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { addressKey } from './symbolize.ts';

const run = promisify(execFile);

/** `file:line` lines per address (keyed by addressKey); `??:0` where vmlinux has no answer. */
export async function addr2line(
  vmlinux: string,
  addresses: readonly bigint[],
): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  // Bounded argument lists: a call trace is short, a whole corpus is not.
  for (let i = 0; i < addresses.length; i += 256) {
    const chunk = addresses.slice(i, i + 256).map(addressKey);
    const { stdout } = await run('addr2line', ['-a', '-i', '-e', vmlinux, ...chunk], {
      maxBuffer: 16 << 20,
      env: { ...process.env, LC_ALL: 'C' },
    });
    let cur: string[] | null = null;
    for (const line of stdout.split('\n')) {
      if (/^0x[0-9a-f]+$/.test(line)) {
        cur = [];
        out.set(addressKey(BigInt(line)), cur);
      } else if (line && cur) cur.push(line);
    }
  }
  return out;
}

/** Whether addr2line is installed (binutils). */
export async function hasAddr2line(): Promise<boolean> {
  try {
    await run('addr2line', ['--version']);
    return true;
  } catch {
    return false;
  }
}
