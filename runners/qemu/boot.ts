/**
 * Boots one kernel under QEMU: streams the serial console as it comes (raw bytes to the
 * collector, lines through the parser), decides the end of the boot from the console,
 * kills QEMU at once and returns a verdict that tells kernel failures from harness ones.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { hostname } from 'node:os';
import { BootLogParser } from '../../collector/parser/index.ts';
import type {
  BootCheck,
  BootFinishInput,
  BootInput,
  BootOutcome,
  EndReason,
  Status,
} from '../../common/types/ingest.ts';
import type { BootStage, LineUpdate, ParseResult } from '../../common/types/parse.ts';
import type { ResolvedBoot } from '../matrix/types.ts';
import { chooseAccel, qemuBinary, recordKvm } from './accel.ts';
import { kernelCmdline, qemuArgs } from './args.ts';
import { ConsoleFile } from './console-file.ts';
import { EndDetector } from './end-detector.ts';
import { checkGuestAnswers, freePort } from './net-check.ts';

export interface BootRequest {
  variant: string | null;
  buildId?: number | null;
  kernel: string;
  boot: ResolvedBoot;
  initrd: string | null;
  disk: string | null;
  initIsScript: boolean;
  /** Raw console bytes, as QEMU wrote them. */
  onChunk?: (bytes: Buffer) => void;
  onLine?: (u: LineUpdate) => void;
  /** Called once per QEMU start, before the first console byte (a KVM→TCG retry starts again). */
  onStart?: (input: BootInput) => void;
  signal?: AbortSignal;
  /** Quiet time after a panic header before the verdict (its trace may still be printing). */
  panicQuietMs?: number;
}

export interface BootRun {
  input: BootInput;
  finish: BootFinishInput;
  outcome: BootOutcome;
  parse: ParseResult;
  stage: BootStage;
  console: Buffer;
  qemuStderr: string;
  /** ms from the last console byte to the verdict. */
  verdictLatencyMs: number | null;
  durationMs: number;
}

/** Boots once, falling back from KVM to TCG when KVM aborts before the kernel speaks. */
export async function bootQemu(req: BootRequest): Promise<BootRun> {
  const choice = await chooseAccel(req.boot.accel, req.kernel);
  const run = await bootOnce(req, choice.accel, choice.reason);
  if (
    choice.accel === 'kvm' &&
    req.boot.accel === 'auto' &&
    run.finish.endReason === 'harness_error' &&
    run.parse.outcome === 'no_output'
  ) {
    await recordKvm(false, run.finish.harnessError ?? 'KVM boot failed');
    const again = await bootOnce(req, 'tcg', `KVM failed: ${run.finish.harnessError}`);
    return again;
  }
  return run;
}

async function bootOnce(req: BootRequest, accel: 'kvm' | 'tcg', accelNote: string | null): Promise<BootRun> {
  const { boot } = req;
  const hostPort = boot.net ? await freePort() : null;
  const consoleFile = await ConsoleFile.create();
  try {
    return await bootWith(req, accel, accelNote, hostPort, consoleFile);
  } finally {
    await consoleFile.remove();
  }
}

async function bootWith(
  req: BootRequest,
  accel: 'kvm' | 'tcg',
  accelNote: string | null,
  hostPort: number | null,
  consoleFile: ConsoleFile,
): Promise<BootRun> {
  const { boot } = req;
  const plan = {
    kernel: req.kernel,
    initrd: req.initrd,
    disk: req.disk,
    accel,
    hostPort,
    consoleFile: consoleFile.path,
  };
  const cmdline = kernelCmdline(boot, plan);
  const args = qemuArgs(boot, plan);
  const startedAt = new Date();
  const input: BootInput = {
    buildId: req.buildId ?? null,
    variant: req.variant,
    target: 'qemu',
    machine: `${qemuBinary()} -M ${boot.machine}`,
    accel,
    cmdline,
    memoryMb: boot.memoryMb,
    cpus: boot.cpus,
    startedAt: startedAt.toISOString(),
    host: hostname(),
    initIsScript: req.initIsScript,
    meta: {
      qemuArgs: args,
      accelNote,
      initrd: req.initrd,
      disk: req.disk,
      diskBus: boot.disk?.bus ?? null,
      net: boot.net ?? null,
    },
  };
  const parser = new BootLogParser({ context: { initIsScript: req.initIsScript, cmdline } });
  const detector = new EndDetector(boot.markers);
  const chunks: Buffer[] = [];
  let stderr = '';
  let lastByteAt = 0;
  let endReason: EndReason | null = null;
  let harnessError: string | null = null;
  let quietTimer: NodeJS.Timeout | null = null;
  const t0 = performance.now();

  req.onStart?.(input);
  const child = spawnQemu(args);
  const netAbort = new AbortController();
  const netCheck =
    boot.net?.check && hostPort ? checkGuestAnswers(hostPort, boot.net.guestPort, netAbort.signal) : null;

  let resolveEnd!: () => void;
  const ended = new Promise<void>((r) => {
    resolveEnd = r;
  });
  const stop = (reason: EndReason, error: string | null = null) => {
    if (endReason) return;
    endReason = reason;
    harnessError = error;
    if (quietTimer) clearTimeout(quietTimer);
    clearTimeout(timeout);
    child.kill('SIGKILL');
    resolveEnd();
  };
  const handle = (updates: LineUpdate[]) => {
    for (const u of updates) {
      req.onLine?.(u);
      if (endReason) continue;
      const d = detector.onLine(u);
      if (!d) continue;
      if ('end' in d) stop(d.end);
      else {
        if (quietTimer) clearTimeout(quietTimer);
        quietTimer = setTimeout(() => stop(d.quiet), req.panicQuietMs ?? 300);
      }
    }
  };

  const timeout = setTimeout(() => stop('timeout'), boot.timeoutMs);
  const onAbort = () => stop('cancelled');
  req.signal?.addEventListener('abort', onAbort, { once: true });

  consoleFile.follow((b) => {
    lastByteAt = performance.now();
    chunks.push(b);
    req.onChunk?.(b);
    handle(parser.push(b));
  });
  child.stderr.on('data', (b: Buffer) => {
    stderr += b.toString('utf8');
  });
  const closed = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => {
    child.on('close', (code, signal) => r({ code, signal }));
  });
  child.on('error', (err) => stop('harness_error', `${qemuBinary()} could not start: ${err.message}`));
  closed.then(({ code, signal }) => {
    if (endReason) return;
    // QEMU went away by itself: the guest (panic=-1 + -no-reboot) or QEMU's own failure.
    const problems = stderr.split('\n').filter((l) => l.trim() && !/warning:|terminating on signal/.test(l));
    if (code === 127 && /failed to execute/.test(stderr)) {
      stop('harness_error', `${qemuBinary()} could not start: ${problems.at(-1) ?? 'not found'}`);
    } else if (signal || (code !== 0 && code !== null)) {
      stop(
        'harness_error',
        `${qemuBinary()} died (${signal ?? `exit ${code}`})${problems.length ? `: ${problems.slice(-3).join(' | ')}` : ''}`,
      );
    } else stop('guest_exit');
  });

  await ended;
  // SIGKILL was sent: once QEMU is gone, read the console file to its end (bounded wait).
  await Promise.race([closed, new Promise((r) => setTimeout(r, 2000))]);
  await consoleFile.stop();
  handle(parser.end());
  const verdictAt = performance.now();
  req.signal?.removeEventListener('abort', onAbort);
  netAbort.abort();
  const parse = parser.result();
  const reason = endReason as unknown as EndReason;
  const checks: BootCheck[] = [];
  if (netCheck) checks.push(await netCheck);
  if (boot.disk?.root && req.disk && !req.initrd) {
    const rootAt = parse.milestones.root_mounted;
    checks.push({
      name: 'root-disk',
      ok: rootAt !== undefined,
      detail:
        rootAt !== undefined
          ? `root on ${boot.disk.bus} mounted at ${rootAt ?? '?'}s`
          : `root on ${boot.disk.bus} never mounted`,
    });
  }
  const outcome = decideOutcome(reason, parse);
  const console = Buffer.concat(chunks);
  const durationMs = Math.round(verdictAt - t0);
  return {
    input,
    finish: finishRecord(reason, outcome, harnessError, durationMs, checks, console.length),
    outcome,
    parse,
    stage: parse.lastStage,
    console,
    qemuStderr: stderr,
    verdictLatencyMs: lastByteAt ? verdictAt - lastByteAt : null,
    durationMs,
  };
}

/** setpriv's parent-death signal: a runner killed mid-boot takes its QEMU with it. */
const SETPRIV = ['/usr/bin/setpriv', '/bin/setpriv'].find((p) => existsSync(p)) ?? null;

function spawnQemu(args: string[]) {
  // The console goes to a file; stdout carries nothing we read.
  const opts = { stdio: ['ignore', 'ignore', 'pipe'] as ['ignore', 'ignore', 'pipe'] };
  if (SETPRIV) return spawn(SETPRIV, ['--pdeathsig', 'KILL', '--', qemuBinary(), ...args], opts);
  return spawn(qemuBinary(), args, opts);
}

/** KCIDB status: ERROR for the harness, SKIP when cancelled, PASS only for a boot whose checks all passed. */
export function bootStatus(outcome: BootOutcome, reason: EndReason, checks: readonly BootCheck[]): Status {
  if (outcome === 'error') return 'ERROR';
  if (reason === 'cancelled') return 'SKIP';
  return outcome === 'booted' && checks.every((c) => c.ok) ? 'PASS' : 'FAIL';
}

/** The finish record a runner sends to the collector (QEMU and EC2 alike). */
export function finishRecord(
  reason: EndReason,
  outcome: BootOutcome,
  harnessError: string | null,
  durationMs: number,
  checks: BootCheck[],
  consoleBytes: number,
  /** The checks that judge the kernel (harness bookkeeping such as cleanup does not). */
  verdictChecks: readonly BootCheck[] = checks,
): BootFinishInput {
  return {
    endReason: reason,
    status: bootStatus(outcome, reason, verdictChecks),
    harnessError,
    finishedAt: new Date().toISOString(),
    durationMs,
    checks,
    consoleBytes,
  };
}

/** The harness's failures are `error`; a timeout is `stalled` unless the kernel panicked. */
export function decideOutcome(reason: EndReason, parse: ParseResult): BootOutcome {
  if (reason === 'harness_error') return 'error';
  if (reason === 'timeout' || reason === 'cancelled') {
    if (parse.outcome === 'panic' || parse.outcome === 'no_output') return parse.outcome;
    return 'stalled';
  }
  return parse.outcome;
}
