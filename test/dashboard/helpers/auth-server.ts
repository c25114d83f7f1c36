/**
 * A collector as a team runs it: `bin/bootwatch serve` as a child process with
 * BOOTWATCH_AUTH=on on a throwaway BOOTWATCH_DATA, and tokens made with `bin/bootwatch token
 * create` against the same data while it runs (the contract's commands, not the app's insides).
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { migratedDataDir } from '../../helpers/db.ts';
import { ROOT } from './server.ts';

const run = promisify(execFile);
const BOOTWATCH = join(ROOT, 'bin/bootwatch');

export type Scope = 'read' | 'submit' | 'admin';

export interface AuthServer {
  url: string;
  port: number;
  /** The secret of each token made at start, by name. */
  tokens: Record<string, string>;
  /** What the server printed, for a failing test's message. */
  output(): string;
  /** Stops the server (the data stays until `close`). */
  stop(): Promise<void>;
  close(): Promise<void>;
}

/** A free TCP port on 127.0.0.1. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      s.close(() => (addr && typeof addr === 'object' ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

/** `bin/bootwatch token create`: the secret is stdout's last line. */
async function createToken(dataDir: string, name: string, scope: Scope): Promise<string> {
  const { stdout } = await run(BOOTWATCH, ['token', 'create', '--name', name, '--scope', scope], {
    env: { ...process.env, BOOTWATCH_DATA: dataDir, DATABASE_URL: '' },
    cwd: ROOT,
  });
  const secret = stdout.trim().split('\n').at(-1)?.trim();
  if (!secret) throw new Error(`token create printed nothing: ${stdout}`);
  return secret;
}

/** Starts `serve` with auth on and the given tokens; resolves once /api/health answers. */
export async function startAuthServer(opts: {
  tokens: Record<string, Scope>;
  publicRead?: boolean;
}): Promise<AuthServer> {
  const data = await migratedDataDir('bootwatch-auth-');
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  let log = '';
  const child: ChildProcess = spawn(BOOTWATCH, ['serve'], {
    cwd: ROOT,
    env: {
      ...process.env,
      DATABASE_URL: '',
      BOOTWATCH_DATA: data,
      HOST: '127.0.0.1',
      PORT: String(port),
      BOOTWATCH_AUTH: 'on',
      BOOTWATCH_PUBLIC_READ: opts.publicRead ? '1' : '0',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (d) => (log += d));
  child.stderr?.on('data', (d) => (log += d));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let running = true;
  void exited.then(() => (running = false));

  const stop = async () => {
    if (running) {
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(t);
    }
  };
  const deadline = Date.now() + 90_000;
  for (;;) {
    if (!running) throw new Error(`bootwatch serve exited before answering:\n${log}`);
    const ok = await fetch(`${url}/api/health`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`bootwatch serve did not answer /api/health in 90 s:\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  // Through the running collector's control socket: side by side, each without opening the database.
  const tokens: Record<string, string> = {};
  try {
    await Promise.all(
      Object.entries(opts.tokens).map(async ([name, scope]) => {
        tokens[name] = await createToken(data, name, scope);
      }),
    );
  } catch (e) {
    await stop();
    throw e;
  }
  return {
    url,
    port,
    tokens,
    output: () => log,
    stop,
    async close() {
      await stop();
      rmSync(data, { recursive: true, force: true });
    },
  };
}
