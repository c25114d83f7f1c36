/**
 * A throwaway PostgreSQL server for tests: initdb in a temp dir, a free port, torn down
 * afterwards. Uses /usr/local/bin's binaries, else Debian's /usr/lib/postgresql/N/bin.
 * initdb and postgres refuse to run as root, so as root they run as an unprivileged user.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

const PG_USER = 'bootwatch-pg';

/** Directory holding initdb, pg_ctl and postgres, or null when PostgreSQL is not installed. */
export function findPostgresBin(): string | null {
  if (existsSync('/usr/local/bin/initdb') && existsSync('/usr/local/bin/pg_ctl')) return '/usr/local/bin';
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return null;
  const versions = readdirSync(root)
    .filter((v) => existsSync(join(root, v, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return versions.length ? join(root, versions[0], 'bin') : null;
}

export type StopMode = 'fast' | 'immediate';

export interface TestPostgres {
  /** URL of the server's `postgres` database. */
  url: string;
  port: number;
  /** A new, empty database on the server; returns its URL. */
  createDatabase(template?: string): Promise<string>;
  /** Runs SQL on the maintenance database. */
  admin(sql: string): Promise<void>;
  /**
   * Stops the server, keeping its data: `fast` (default) cuts connections and shuts down
   * cleanly; `immediate` kills it as a crash would, so the next start runs recovery.
   */
  stop(mode?: StopMode): void;
  /** Starts it again after `stop`. */
  start(): void;
  /** Stops it and removes its directory. */
  dispose(): void;
}

/**
 * Starts a fresh PostgreSQL server on a free port; with `keep`, the server whose cluster
 * lives in that directory (made there on first use), which `dispose` stops but never removes.
 */
export async function startPostgres(opts: { keep?: string } = {}): Promise<TestPostgres> {
  const bin = findPostgresBin();
  if (!bin)
    throw new Error('PostgreSQL is not installed (apt-get install postgresql, or scripts/setup.sh --test)');
  const user = process.getuid?.() === 0 ? ensureUser() : null;
  const dir = opts.keep ?? mkdtempSync(join(tmpdir(), 'bootwatch-pg-'));
  const data = join(dir, 'data');
  const remove = () => {
    if (!opts.keep) rmSync(dir, { recursive: true, force: true });
  };
  mkdirSync(dir, { recursive: true });
  if (user) execFileSync('chown', [user, dir]);
  const run = (cmd: string, args: string[]) => {
    const full = join(bin, cmd);
    const r = user
      ? spawnSync('runuser', ['-u', user, '--', full, ...args], { encoding: 'utf8' })
      : spawnSync(full, args, { encoding: 'utf8' });
    if (r.status !== 0)
      throw new Error(`${cmd} failed (${r.status}): ${r.stderr || r.stdout}${logTail(dir)}`);
  };
  if (!existsSync(join(data, 'PG_VERSION')))
    run('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync', '--no-locale']);
  const port = await freePort();
  // No fsync and a socket in our own directory: fast, and nothing outside the temp dir.
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off`;
  const start = () =>
    run('pg_ctl', ['-D', data, '-o', options, '-l', join(dir, 'server.log'), '-w', '-t', '60', 'start']);
  const stop = (mode: StopMode = 'fast') => run('pg_ctl', ['-D', data, '-m', mode, '-w', 'stop']);
  // A kept cluster whose last user was killed may still have its server up: stop that one first.
  if (opts.keep && existsSync(join(data, 'postmaster.pid'))) {
    try {
      stop('fast');
    } catch {
      // Not running after all (a stale pid file): start() copes with that.
    }
  }
  start();
  // A test process that dies without dispose() must not leave a server running.
  const onExit = () => {
    try {
      run('pg_ctl', ['-D', data, '-m', 'immediate', 'stop']);
    } catch {
      // Already stopped.
    }
    remove();
  };
  process.once('exit', onExit);
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  let seq = 0;
  let running = true;
  const admin = async (sql: string) => {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  return {
    url,
    port,
    admin,
    async createDatabase(template?: string) {
      const name = `t${process.pid}_${++seq}`;
      await admin(`create database ${name}${template ? ` template ${template}` : ''}`);
      return `postgres://postgres@127.0.0.1:${port}/${name}`;
    },
    stop(mode?: StopMode) {
      if (running) stop(mode);
      running = false;
    },
    start() {
      if (!running) start();
      running = true;
    },
    dispose() {
      process.off('exit', onExit);
      try {
        if (running) stop();
      } finally {
        running = false;
        remove();
      }
    },
  };
}

/** The unprivileged user the server runs as when tests run as root (created if missing). */
function ensureUser(): string {
  if (spawnSync('id', ['-u', PG_USER]).status !== 0) {
    const r = spawnSync('useradd', ['-r', '-M', '-s', '/usr/sbin/nologin', PG_USER], { encoding: 'utf8' });
    // Another test process may have created it meanwhile; only a still-missing user is an error.
    if (r.status !== 0 && spawnSync('id', ['-u', PG_USER]).status !== 0) return 'nobody';
  }
  return PG_USER;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

function logTail(dir: string): string {
  try {
    return `\n${readFileSync(join(dir, 'server.log'), 'utf8').split('\n').slice(-15).join('\n')}`;
  } catch {
    return '';
  }
}
