/**
 * Boots one kernel under QEMU: streams the serial console as it comes (raw bytes to the
 * collector, lines through the parser), decides the end of the boot from the console,
 * kills QEMU at once and returns a verdict that tells kernel failures from harness ones.
 */
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { type Arch, DEFAULT_ARCH } from '../../common/arch.ts';
import type {
  BootCheck,
  BootFinishInput,
  BootInput,
  BootOutcome,
  EndReason,
} from '../../common/types/ingest.ts';
import type { BootStage, LineUpdate, ParseResult } from '../../common/types/parse.ts';
import { bootVerdict } from '../../common/verdict.ts';
import { ConsoleWatch } from '../console-watch.ts';
import type { ResolvedBoot } from '../matrix/types.ts';
import { chooseAccel, type KvmAccess, qemuBinary, recordKvm } from './accel.ts';
import { kernelCmdline, qemuArgs } from './args.ts';
import { ConsoleFile } from './console-file.ts';
import { checkGuestAnswers, freePort } from './net-check.ts';
import { type QemuRunResult, runQemu } from './run-qemu.ts';

/** How long a boot ended by its marker still waits for a pending network check. */
const NET_SETTLE_MS = 5000;

export interface BootRequest {
  variant: string | null;
  /** Guest architecture (default x86_64): QEMU binary, machine devices, accelerator. */
  arch?: Arch;
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
  /** Whether the host offers KVM (default: /dev/kvm); tests inject it. */
  kvmAccess?: KvmAccess;
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
  const choice = await chooseAccel(req.boot.accel, req.kernel, req.kvmAccess, req.arch);
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
  return ConsoleFile.use(async (consoleFile) => {
    const arch = req.arch ?? DEFAULT_ARCH;
    const plan = {
      arch,
      kernel: req.kernel,
      initrd: req.initrd,
      disk: req.disk,
      accel,
      hostPort,
      consoleFile: consoleFile.path,
    };
    const cmdline = kernelCmdline(boot, plan);
    const args = qemuArgs(boot, plan);
    const input: BootInput = {
      buildId: req.buildId ?? null,
      variant: req.variant,
      target: 'qemu',
      machine: `${qemuBinary(arch)} -M ${boot.machine}`,
      accel,
      cmdline,
      memoryMb: boot.memoryMb,
      cpus: boot.cpus,
      startedAt: new Date().toISOString(),
      host: hostname(),
      initIsScript: req.initIsScript,
      arch,
      meta: {
        qemuArgs: args,
        markers: boot.markers,
        accelNote,
        initrd: req.initrd,
        disk: req.disk,
        diskBus: boot.disk?.bus ?? null,
        net: boot.net ?? null,
      },
    };
    const watch = new ConsoleWatch({
      markers: boot.markers,
      arch,
      cmdline,
      initIsScript: req.initIsScript,
      panicQuietMs: req.panicQuietMs,
      onLine: req.onLine,
    });
    const t0 = performance.now();
    req.onStart?.(input);
    const netAbort = new AbortController();
    const netCheck =
      boot.net?.check && hostPort ? checkGuestAnswers(hostPort, boot.net.guestPort, netAbort.signal) : null;
    const run = await runQemu({
      binary: qemuBinary(arch),
      args,
      consoleFile,
      watch,
      timeoutMs: boot.timeoutMs,
      signal: req.signal,
      onChunk: req.onChunk,
      // A marker on a prompt (`login:`) comes while the guest's services may still be a poll
      // away from answering: the guest waits at its prompt, so the check may finish first.
      settle: async (reason, exited) => {
        if (reason !== 'marker' || !netCheck) return;
        const done = new AbortController();
        const wait = sleep(NET_SETTLE_MS, undefined, { signal: done.signal }).catch(() => {});
        await Promise.race([netCheck, exited, wait]);
        done.abort();
      },
    });
    netAbort.abort();
    const checks: BootCheck[] = [];
    if (netCheck) checks.push(await netCheck);
    if (boot.disk?.root && req.disk && !req.initrd) {
      const rootAt = run.parse.milestones.root_mounted;
      checks.push({
        name: 'root-disk',
        ok: rootAt !== undefined,
        detail:
          rootAt !== undefined
            ? `root on ${boot.disk.bus} mounted at ${rootAt ?? '?'}s`
            : `root on ${boot.disk.bus} never mounted`,
      });
    }
    return bootRun(input, run, checks, t0);
  });
}

/** The BootRun of a finished QEMU process and its checks (plain boot and rehearsal alike). */
export function bootRun(input: BootInput, run: QemuRunResult, checks: BootCheck[], t0: number): BootRun {
  const outcome = decideOutcome(run.reason, run.parse);
  const durationMs = Math.round(run.verdictAt - t0);
  return {
    input,
    finish: finishRecord(run.reason, outcome, run.harnessError, durationMs, checks, run.console.length),
    outcome,
    parse: run.parse,
    stage: run.parse.lastStage,
    console: run.console,
    qemuStderr: run.stderr,
    verdictLatencyMs: run.verdictLatencyMs,
    durationMs,
  };
}

/** The finish record a runner sends to the collector (QEMU and EC2 alike). */
export function finishRecord(
  reason: EndReason,
  outcome: BootOutcome,
  harnessError: string | null,
  durationMs: number,
  checks: BootCheck[],
  consoleBytes: number,
): BootFinishInput {
  return {
    endReason: reason,
    status: bootVerdict({ outcome, endReason: reason, checks })!.status,
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
