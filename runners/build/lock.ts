/**
 * One kernel build per host at a time (two would fight over the cores and ccache):
 * an O_EXCL lock file holding the owner's pid; a dead owner's lock is taken over.
 */
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { cacheDir } from '../paths.ts';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Waits for the host's build lock; returns the release function. */
export async function acquireBuildLock(onWait?: (holder: number) => void): Promise<() => void> {
  const file = join(cacheDir(), 'build.lock');
  mkdirSync(dirname(file), { recursive: true });
  let told = false;
  for (;;) {
    try {
      const fd = openSync(file, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return () => rmSync(file, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      let holder = 0;
      try {
        holder = Number(readFileSync(file, 'utf8'));
      } catch {}
      if (holder && !alive(holder)) {
        rmSync(file, { force: true });
        continue;
      }
      if (!told && holder) onWait?.(holder);
      told = true;
      await sleep(500);
    }
  }
}
