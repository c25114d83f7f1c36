/**
 * One QEMU process with its serial console in a file: follows the console into a
 * ConsoleWatch, kills QEMU the moment the watch (or the timeout, or a cancel) decides the
 * end, tells QEMU's own failures from the guest's, and reads the console to its last byte.
 * The plain boot and the EC2 rehearsal differ only in their arguments and checks.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { EndReason } from '../../common/types/ingest.ts';
import type { ParseResult } from '../../common/types/parse.ts';
import type { ConsoleWatch } from '../console-watch.ts';
import { qemuBinary } from './accel.ts';
import type { ConsoleFile } from './console-file.ts';

export interface QemuRunOptions {
  /** Full argv (without the program), writing the serial console to `consoleFile`. */
  args: string[];
  /** The qemu-system-* to run (default x86_64's, see qemuBinary). */
  binary?: string;
  consoleFile: ConsoleFile;
  watch: ConsoleWatch;
  timeoutMs: number;
  signal?: AbortSignal;
  /** Raw console bytes, as QEMU wrote them. */
  onChunk?: (bytes: Buffer) => void;
  /** Awaited once the end is decided, before QEMU is killed (`exited`: QEMU went away first). */
  settle?: (reason: EndReason, exited: Promise<void>) => Promise<unknown>;
}

export interface QemuRunResult {
  reason: EndReason;
  harnessError: string | null;
  console: Buffer;
  parse: ParseResult;
  stderr: string;
  /** performance.now() when the verdict was in (the console fully read). */
  verdictAt: number;
  /** ms from the last console byte to the verdict. */
  verdictLatencyMs: number | null;
}

/** setpriv's parent-death signal: a runner killed mid-boot takes its QEMU with it. */
const SETPRIV = ['/usr/bin/setpriv', '/bin/setpriv'].find((p) => existsSync(p)) ?? null;

function spawnQemu(binary: string, args: string[]) {
  // The console goes to a file; stdout carries nothing we read.
  const opts = { stdio: ['ignore', 'ignore', 'pipe'] as ['ignore', 'ignore', 'pipe'] };
  if (SETPRIV) return spawn(SETPRIV, ['--pdeathsig', 'KILL', '--', binary, ...args], opts);
  return spawn(binary, args, opts);
}

export async function runQemu(o: QemuRunOptions): Promise<QemuRunResult> {
  const { watch } = o;
  const chunks: Buffer[] = [];
  let stderr = '';
  let harnessError: string | null = null;
  const fail = (message: string) => {
    if (watch.endReason) return;
    harnessError = message;
    watch.stop('harness_error');
  };

  const binary = o.binary ?? qemuBinary();
  const child = spawnQemu(binary, o.args);
  const timeout = setTimeout(() => watch.stop('timeout'), o.timeoutMs);
  const onAbort = () => watch.stop('cancelled');
  o.signal?.addEventListener('abort', onAbort, { once: true });
  o.consoleFile.follow((b) => {
    chunks.push(b);
    o.onChunk?.(b);
    watch.push(b);
  });
  child.stderr.on('data', (b: Buffer) => {
    stderr += b.toString('utf8');
  });
  const closed = new Promise<void>((r) => {
    child.on('close', (code, signal) => {
      r();
      if (watch.endReason) return;
      // QEMU went away by itself: the guest (panic=-1 + -no-reboot) or QEMU's own failure.
      const problems = stderr
        .split('\n')
        .filter((l) => l.trim() && !/warning:|terminating on signal/.test(l));
      if (code === 127 && /failed to execute/.test(stderr)) {
        fail(`${binary} could not start: ${problems.at(-1) ?? 'not found'}`);
      } else if (signal || (code !== 0 && code !== null)) {
        fail(
          `${binary} died (${signal ?? `exit ${code}`})${problems.length ? `: ${problems.slice(-3).join(' | ')}` : ''}`,
        );
      } else watch.stop('guest_exit');
    });
  });
  child.on('error', (err) => fail(`${binary} could not start: ${err.message}`));

  const reason = await watch.ended;
  clearTimeout(timeout);
  await o.settle?.(reason, closed);
  child.kill('SIGKILL');
  o.signal?.removeEventListener('abort', onAbort);
  // Once QEMU is gone, read the console file to its end (bounded wait).
  await Promise.race([closed, new Promise((r) => setTimeout(r, 2000))]);
  await o.consoleFile.stop();
  const parse = watch.finish();
  const verdictAt = performance.now();
  return {
    reason,
    harnessError,
    console: Buffer.concat(chunks),
    parse,
    stderr,
    verdictAt,
    verdictLatencyMs: watch.lastByteAt ? verdictAt - watch.lastByteAt : null,
  };
}
