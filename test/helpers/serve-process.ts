/** `bin/bootwatch serve` as a real child process: started on a free port, awaited by its own output. */
import { type ChildProcess, spawn } from 'node:child_process';
import { fromRoot } from '../../common/repo-root.ts';

export const BIN = fromRoot('bin', 'bootwatch');

export interface ServeProcess {
  url: string;
  child: ChildProcess;
  /** Resolves with the exit code (or signal name) once the process has ended. */
  exited: Promise<number | string | null>;
  /** Everything it wrote to stderr so far. */
  stderr(): string;
}

/**
 * Starts `serve` (or `command` wrapping it, e.g. unshare) with `env`; resolves once it listens.
 * HOST is 127.0.0.1 and PORT 0 (a free port) unless `env` says otherwise.
 */
export function startServe(
  env: Record<string, string | undefined>,
  command: string[] = [BIN, 'serve'],
): Promise<ServeProcess> {
  return new Promise((resolve, reject) => {
    const [cmd, ...args] = command;
    const child = spawn(cmd, args, {
      env: { ...process.env, DATABASE_URL: undefined, HOST: '127.0.0.1', PORT: '0', ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    const exited = new Promise<number | string | null>((done) =>
      child.on('close', (code, signal) => done(code ?? signal)),
    );
    let stderr = '';
    child.stderr!.on('data', (d) => {
      stderr += d;
      const m = /collector and dashboard on (http:\/\/\S+)/.exec(stderr);
      if (m) resolve({ url: m[1], child, exited, stderr: () => stderr });
    });
    exited.then((code) => reject(new Error(`serve exited (${code}) before listening: ${stderr}`)));
  });
}
