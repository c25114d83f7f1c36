/**
 * One kernel build per host at a time (two would fight over the cores and ccache), shared with
 * shell scripts and colleagues' builds: `flock /tmp/bootwatch-kbuild.lock make ...` takes the
 * same lock. A `flock` child holds it while we build; ending the child (or our death, which
 * closes its stdin) drops it, so a killed build never leaves a stale lock behind.
 */
import { spawn } from 'node:child_process';

const BUILD_LOCK = '/tmp/bootwatch-kbuild.lock';

/** Waits for the host's build lock; resolves with its release function. */
export function acquireBuildLock(onWait?: () => void, file = BUILD_LOCK): Promise<() => void> {
  return new Promise((resolve, reject) => {
    const child = spawn('flock', ['-x', file, '-c', 'echo locked; while read -r _; do :; done'], {
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    const waiting = setTimeout(() => onWait?.(), 1000);
    child.on('error', (err) => {
      clearTimeout(waiting);
      reject(new Error(`flock: ${err.message}`));
    });
    child.on('exit', (code) => {
      clearTimeout(waiting);
      reject(new Error(`flock ${file} exited with ${code} before taking the lock`));
    });
    child.stdout.once('data', () => {
      clearTimeout(waiting);
      child.removeAllListeners('exit');
      // Closing stdin ends the shell's read loop (a builtin: no PATH needed), which drops the lock.
      resolve(() => child.stdin.end());
    });
  });
}
