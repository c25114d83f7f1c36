/**
 * One kernel build per host at a time (two would fight over the cores and ccache), shared with
 * shell scripts and colleagues' builds: `flock /tmp/bootwatch-kbuild.lock make ...` takes the
 * same lock. A `flock` child holds it while we build; ending the child (or our death, which
 * closes its stdin) drops it, so a killed build never leaves a stale lock behind.
 */
import { spawn } from 'node:child_process';

const BUILD_LOCK = '/tmp/bootwatch-kbuild.lock';

/** Waits for the host's build lock; resolves with its release function, rejects when `signal` stops the wait. */
export function acquireBuildLock(
  onWait?: () => void,
  file = BUILD_LOCK,
  signal?: AbortSignal,
): Promise<() => void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new Error('stopped before the build lock was taken'));
    const child = spawn('flock', ['-x', file, '-c', 'echo locked; while read -r _; do :; done'], {
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    const waiting = setTimeout(() => onWait?.(), 1000);
    // A stopped agent must not wait behind another build for the lock it no longer wants.
    const stop = () => child.kill();
    signal?.addEventListener('abort', stop, { once: true });
    const settled = () => {
      clearTimeout(waiting);
      signal?.removeEventListener('abort', stop);
    };
    child.on('error', (err) => {
      settled();
      reject(new Error(`flock: ${err.message}`));
    });
    child.on('exit', (code, sig) => {
      settled();
      reject(
        signal?.aborted
          ? new Error('stopped while waiting for the build lock')
          : new Error(`flock ${file} exited with ${code ?? sig} before taking the lock`),
      );
    });
    child.stdout.once('data', () => {
      settled();
      child.removeAllListeners('exit');
      // Closing stdin ends the shell's read loop (a builtin: no PATH needed), which drops the lock.
      resolve(() => child.stdin.end());
    });
  });
}
