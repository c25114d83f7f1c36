/**
 * The host build lock is the `flock` lock shell scripts take: a build holding it keeps
 * `flock -n` out, waits for a script holding it, stops waiting when it is told to stop (an
 * agent's SIGTERM), and a killed holder leaves nothing stale.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { acquireBuildLock } from '../../runners/build/lock.ts';

const dir = mkdtempSync(join(tmpdir(), 'bootwatch-lock-'));
const file = join(dir, 'kbuild.lock');
const free = () => spawnSync('flock', ['-n', file, 'true']).status === 0;

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('host build lock', () => {
  it('keeps a shell flock out while held, and lets it in once released', async () => {
    const release = await acquireBuildLock(undefined, file);
    expect(free()).toBe(false);
    release();
    await expect.poll(free).toBe(true);
  });

  it('waits for a script that holds it, saying so once', async () => {
    const script = spawn('flock', [file, 'sleep', '2'], { stdio: 'ignore' });
    await expect.poll(() => !free()).toBe(true);
    let told = 0;
    const release = await acquireBuildLock(() => told++, file);
    expect(script.exitCode).toBe(0);
    expect(told).toBe(1);
    release();
  });

  it('a wait stopped by its signal ends without the lock, leaving the holder be', async () => {
    // Its own process group: flock's child, sleep, holds the lock too, and goes with the group.
    const script = spawn('flock', [file, 'sleep', '600'], { stdio: 'ignore', detached: true });
    const stop = new AbortController();
    try {
      await expect.poll(() => !free()).toBe(true);
      let told = 0;
      const waiting = acquireBuildLock(() => told++, file, stop.signal);
      // The wait is told after 1 s: poll past it (poll's own default is 1 s, a race on a busy host).
      await expect.poll(() => told, { timeout: 10_000 }).toBe(1);
      stop.abort();
      await expect(waiting).rejects.toThrow('stopped while waiting for the build lock');
      expect(script.exitCode).toBeNull();
      expect(free()).toBe(false);
      await expect(acquireBuildLock(undefined, file, stop.signal)).rejects.toThrow(
        'stopped before the build lock was taken',
      );
    } finally {
      // A wait left running on failure would take the lock once the script dies, and keep it.
      stop.abort();
      process.kill(-script.pid!, 'SIGKILL');
    }
    await expect.poll(free).toBe(true);
  });

  it('a holder killed while it builds drops it', async () => {
    const holder = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        '-e',
        `import(${JSON.stringify(join(process.cwd(), 'runners/build/lock.ts'))})
          .then((m) => m.acquireBuildLock(undefined, ${JSON.stringify(file)}))
          .then(() => { console.log('held'); setInterval(() => {}, 1000); })`,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    await new Promise((resolve) => holder.stdout.once('data', resolve));
    expect(free()).toBe(false);
    holder.kill('SIGKILL');
    await expect.poll(free, { timeout: 10_000 }).toBe(true);
  });
});
