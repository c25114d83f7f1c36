/**
 * PGlite is single-process: two processes on one data directory would corrupt it. A pid
 * file keeps a second `serve` or `ingest` out with a message that says what to do instead.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BootwatchError } from '../../common/errors.ts';

/** Takes the directory's lock (a stale one from a dead process is taken over); returns its release. */
export function lockDataDir(dir: string): () => void {
  const file = join(dir, 'bootwatch.pid');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(file, String(process.pid), { flag: 'wx' });
      let released = false;
      const release = () => {
        if (released) return;
        released = true;
        process.off('exit', release);
        rmSync(file, { force: true });
      };
      process.on('exit', release);
      return release;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const owner = Number(readFileSync(file, 'utf8').trim());
      if (owner && isAlive(owner))
        throw new BootwatchError(
          'db.unavailable',
          `the embedded database in ${dir} is in use by process ${owner} (a running 'bootwatch serve'?): ` +
            'send to it with --collector URL, or set BOOTWATCH_DATA to another directory',
        );
      rmSync(file, { force: true });
    }
  }
  throw new BootwatchError('db.unavailable', `cannot lock the embedded database in ${dir}`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
