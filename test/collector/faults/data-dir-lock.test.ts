/**
 * The embedded database's lock: a live owner keeps others out, a stale one is taken over even
 * when it names our own pid (PID 1 in a container after kill -9 and a restart).
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { lockDataDir, startTime } from '../../../collector/db/data-dir-lock.ts';
import { migratedDataDir } from '../../helpers/db.ts';
import { BIN, type ServeProcess, startServe } from '../../helpers/serve-process.ts';

const dirs: string[] = [];
const children: ServeProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) c.child.kill('SIGKILL');
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'bootwatch-lock-'));
  dirs.push(d);
  return d;
}

describe('data directory lock', () => {
  it('refuses a second holder in this process and takes over a lock naming our own pid', () => {
    const dir = tempDir();
    const release = lockDataDir(dir);
    expect(readFileSync(join(dir, 'bootwatch.pid'), 'utf8').trim()).toBe(
      `${process.pid} ${startTime(process.pid)}`,
    );
    expect(() => lockDataDir(dir)).toThrow(/in use by process/);
    release();
    expect(existsSync(join(dir, 'bootwatch.pid'))).toBe(false);

    // Left by an earlier process that had our pid (and, being older, another start time).
    writeFileSync(join(dir, 'bootwatch.pid'), `${process.pid} 1\n`);
    const again = lockDataDir(dir);
    expect(() => lockDataDir(dir)).toThrow(/in use/);
    again();
  });

  it('keeps out while the owner lives and takes over once its pid names another process', async () => {
    const dir = tempDir();
    const owner = spawn('sleep', ['60']);
    await new Promise((r) => owner.once('spawn', r));
    try {
      const pid = owner.pid!;
      writeFileSync(join(dir, 'bootwatch.pid'), `${pid} ${startTime(pid)}\n`);
      expect(() => lockDataDir(dir)).toThrow(new RegExp(`in use by process ${pid}`));
      // Same pid, other start time: the pid was reused after the owner died.
      writeFileSync(join(dir, 'bootwatch.pid'), `${pid} ${Number(startTime(pid)) - 1}\n`);
      lockDataDir(dir)();
    } finally {
      owner.kill('SIGKILL');
    }
  });
});

const unshareWorks = spawnSync('unshare', ['--pid', '--fork', '--mount-proc', 'true']).status === 0;
if (!unshareWorks && process.env.CI === 'true')
  throw new Error('CI must run the PID 1 lock test: unshare --pid --fork --mount-proc is not available');

describe.runIf(unshareWorks)('serve as PID 1 in a pid namespace', () => {
  it('starts again on its own data dir after kill -9', { timeout: 90_000 }, async () => {
    const data = await migratedDataDir();
    dirs.push(data);
    const pid1 = ['unshare', '--pid', '--fork', '--mount-proc', '--kill-child=SIGKILL', BIN, 'serve'];
    const first = await startServe({ BOOTWATCH_DATA: data }, pid1);
    children.push(first);
    const lock = join(data, 'pglite', 'bootwatch.pid');
    expect(readFileSync(lock, 'utf8')).toMatch(/^1 \d+\n$/);
    // unshare --kill-child passes the SIGKILL on to the collector (PID 1): nothing cleans up.
    first.child.kill('SIGKILL');
    await first.exited;
    expect(readFileSync(lock, 'utf8')).toMatch(/^1 \d+\n$/);

    const second = await startServe({ BOOTWATCH_DATA: data }, pid1);
    children.push(second);
    const health = await fetch(`${second.url}/api/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ ok: true, db: 'pglite' });
  });
});
