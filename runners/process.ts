/**
 * One helper to run a child process, stream its output line by line and collect it;
 * a missing program is reported as a harness error, never thrown past the caller.
 */
import { spawn } from 'node:child_process';

export interface CommandResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** stdout and stderr interleaved, bounded to the last `keep` bytes. */
  output: string;
  /** Set when the program could not be started at all (ENOENT...). */
  spawnError: string | null;
}

export interface CommandOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  onLine?: (line: string) => void;
  /** Bytes of output kept in `output` (the tail). */
  keep?: number;
  signal?: AbortSignal;
}

/** Runs `cmd args`, resolving when it exits (never rejects). */
export function runCommand(cmd: string, args: string[], opts: CommandOptions = {}): Promise<CommandResult> {
  const keep = opts.keep ?? 1 << 20;
  return new Promise((resolvePromise) => {
    let out = '';
    let partial = '';
    let spawnError: string | null = null;
    const child = spawn(cmd, args, {
      cwd: opts.cwd,
      env: opts.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      signal: opts.signal,
    });
    const onData = (buf: Buffer) => {
      const s = buf.toString('utf8');
      out += s;
      if (out.length > keep * 2) out = out.slice(-keep);
      if (!opts.onLine) return;
      partial += s;
      const parts = partial.split('\n');
      partial = parts.pop() ?? '';
      for (const l of parts) opts.onLine(l);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('error', (err) => {
      spawnError = `${cmd}: ${err.message}`;
    });
    child.on('close', (code, signal) => {
      if (partial && opts.onLine) opts.onLine(partial);
      resolvePromise({ code, signal, output: out.slice(-keep), spawnError });
    });
  });
}
