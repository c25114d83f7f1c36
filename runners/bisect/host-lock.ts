/**
 * The host-wide kernel-build lock colleagues share (`flock /tmp/bootwatch-kbuild.lock`),
 * held by a `flock` child process for as long as we build; released by ending that child.
 */
import { spawn } from 'node:child_process';

const KBUILD_LOCK = '/tmp/bootwatch-kbuild.lock';

/** Waits for the lock; resolves with its release function. */
export function acquireHostLock(file = KBUILD_LOCK, onWait?: () => void): Promise<() => void> {
  return new Promise((resolve, reject) => {
    const child = spawn('flock', ['-x', file, '-c', 'echo locked; exec cat'], {
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    const waiting = setTimeout(() => onWait?.(), 1000);
    child.on('error', (err) => {
      clearTimeout(waiting);
      reject(new Error(`flock: ${err.message}`));
    });
    child.stdout.once('data', () => {
      clearTimeout(waiting);
      // Closing stdin ends `cat`, which ends the shell flock runs, which drops the lock.
      resolve(() => child.stdin.end());
    });
  });
}
