/**
 * PGlite is single-process: two processes on one data directory would corrupt it. A pid
 * file keeps a second `serve` or `ingest` out with a message that says what to do instead.
 * It names the owner by pid and start time: a pid alone is reused, and in a container the
 * restarted collector is PID 1 again, the same pid as the killed one that left the file.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { BootwatchError } from '../../common/errors.ts';

/** Directories this process holds: a second open in the same process is refused, not taken over. */
const held = new Set<string>();

/** Takes the directory's lock (a stale one from a dead process is taken over); returns its release. */
export function lockDataDir(dir: string): () => void {
  const key = resolve(dir);
  const file = join(key, 'bootwatch.pid');
  if (held.has(key)) throw inUse(dir, process.pid);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(file, ownerLine(process.pid), { flag: 'wx' });
      held.add(key);
      let released = false;
      const release = () => {
        if (released) return;
        released = true;
        held.delete(key);
        process.off('exit', release);
        rmSync(file, { force: true });
      };
      process.on('exit', release);
      return release;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const owner = readOwner(file);
      if (owner && isOwnerAlive(owner)) throw inUse(dir, owner.pid);
      rmSync(file, { force: true });
    }
  }
  throw new BootwatchError('db.unavailable', `cannot lock the embedded database in ${dir}`);
}

interface Owner {
  pid: number;
  /** Start time in clock ticks since boot (/proc/PID/stat field 22); null when unknown. */
  start: string | null;
}

function ownerLine(pid: number): string {
  const start = startTime(pid);
  return start ? `${pid} ${start}\n` : `${pid}\n`;
}

function readOwner(file: string): Owner | null {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return null;
  }
  const [pid, start] = text.trim().split(/\s+/);
  const n = Number(pid);
  return Number.isSafeInteger(n) && n > 0 ? { pid: n, start: start || null } : null;
}

/** True when the process that wrote the lock still runs (not merely its pid). */
function isOwnerAlive(owner: Owner): boolean {
  // Not in `held`, so a file naming us was left by an earlier process with our pid.
  if (owner.pid === process.pid) return false;
  try {
    process.kill(owner.pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  const now = startTime(owner.pid);
  return !(owner.start && now && owner.start !== now);
}

/** Field 22 of /proc/PID/stat (start time), or null where there is no procfs. */
export function startTime(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: count fields after its last ')'.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
  } catch {
    return null;
  }
}

function inUse(dir: string, pid: number): BootwatchError {
  return new BootwatchError(
    'db.unavailable',
    `the embedded database in ${dir} is in use by process ${pid} (a running 'bootwatch serve'?): ` +
      'send to it with --collector URL, or set BOOTWATCH_DATA to another directory',
  );
}
