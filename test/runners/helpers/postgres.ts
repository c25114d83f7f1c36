/**
 * A throwaway PostgreSQL server for the job-queue tests: initdb in a temp dir, started on
 * a free port with pg_ctl (as the `postgres` user when we are root: postgres refuses root).
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../../runners/qemu/net-check.ts';

export interface ThrowawayPostgres {
  url: string;
  stop(): void;
}

function asPostgres(cmd: string, args: string[]): string {
  if (userInfo().uid !== 0) return execFileSync(cmd, args, { encoding: 'utf8' });
  return execFileSync('runuser', ['-u', 'postgres', '--', cmd, ...args], { encoding: 'utf8' });
}

/** Binaries from PATH (/usr/local/bin here) or Debian's postgresql package. */
function bin(name: string): string {
  for (const dir of ['/usr/local/bin', '/usr/lib/postgresql/16/bin', '/usr/lib/postgresql/15/bin']) {
    try {
      execFileSync('test', ['-x', join(dir, name)]);
      return join(dir, name);
    } catch {}
  }
  return name;
}

export async function startPostgres(): Promise<ThrowawayPostgres> {
  const dir = mkdtempSync(join(tmpdir(), 'bw-pg-'));
  chmodSync(dir, 0o777);
  const data = join(dir, 'data');
  if (userInfo().uid === 0) chownSync(dir, 101, 104);
  const port = await freePort();
  asPostgres(bin('initdb'), ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8']);
  asPostgres(bin('pg_ctl'), [
    '-D',
    data,
    '-l',
    join(dir, 'log'),
    '-w',
    '-o',
    `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1`,
    'start',
  ]);
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    stop() {
      try {
        asPostgres(bin('pg_ctl'), ['-D', data, '-m', 'immediate', 'stop']);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
