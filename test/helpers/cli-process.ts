/** `bin/bootwatch` as a user runs it: a command to completion, or `serve` until it listens. */
import { type ChildProcess, spawn } from 'node:child_process';
import { fromRoot } from '../../common/repo-root.ts';

export const BIN = fromRoot('bin', 'bootwatch');

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the CLI to completion (DATABASE_URL only when `env` names it). */
export function bootwatch(args: string[], env: Record<string, string | undefined>): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(BIN, args, { env: { ...process.env, DATABASE_URL: undefined, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

export interface Served {
  url: string;
  child: ChildProcess;
  exited: Promise<number | null>;
  /** What it printed on stderr so far. */
  stderr(): string;
}

/** Starts `serve` on a free port and resolves with its URL once it listens. */
export function serve(env: Record<string, string | undefined>): Promise<Served> {
  return new Promise((resolve, reject) => {
    const child = spawn(BIN, ['serve'], {
      env: { ...process.env, DATABASE_URL: undefined, PORT: '0', ...env },
    });
    const exited = new Promise<number | null>((done) => child.on('close', done));
    let stderr = '';
    child.stderr.on('data', (d) => {
      stderr += d;
      // The access line follows the address line: wait for both.
      const m = /collector and dashboard on (http:\/\/\S+)[^\n]*\n[^\n]*(access|WARNING)[^\n]*\n/.exec(
        stderr,
      );
      if (m) resolve({ url: m[1], child, exited, stderr: () => stderr });
    });
    exited.then((code) => reject(new Error(`serve exited (${code}) before listening: ${stderr}`)));
  });
}

/** A request to a collector: JSON, or raw bytes for a Uint8Array body; throws on an answer that is not 2xx. */
export async function request<T>(
  base: string,
  method: string,
  path: string,
  body?: unknown,
  token?: string,
): Promise<T> {
  const raw = body instanceof Uint8Array;
  const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
  if (body !== undefined) headers['content-type'] = raw ? 'application/octet-stream' : 'application/json';
  const res = await fetch(`${base}${path}`, {
    method,
    headers,
    body:
      body === undefined
        ? undefined
        : raw
          ? new Blob([body as Uint8Array<ArrayBuffer>])
          : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return (text ? JSON.parse(text) : null) as T;
}
