/**
 * One boot on EC2: guard rails, upload, AMI, instance, then the console polled with
 * GetConsoleOutput and streamed as it grows (only the new part of each overlapping
 * window), the end of the boot decided as for QEMU; and in `finally`, on success,
 * failure, timeout or Ctrl-C alike, everything the run created is deleted.
 */
import { hostname } from 'node:os';
import type {
  BootCheck,
  BootFinishInput,
  BootInput,
  BootOutcome,
  EndReason,
} from '../../common/types/ingest.ts';
import type { BootStage, LineUpdate, ParseResult } from '../../common/types/parse.ts';
import { ConsoleWatch } from '../console-watch.ts';
import type { ResolvedBoot } from '../matrix/types.ts';
import { decideOutcome, finishRecord } from '../qemu/boot.ts';
import { registerImage } from './ami.ts';
import { type AwsClients, describeAwsError } from './aws.ts';
import { type CleanupItem, cleanupRun } from './cleanup.ts';
import { ConsoleDeltaTracker } from './console-delta.ts';
import type { Ec2Image } from './image.ts';
import { checkInstanceBudget, consoleWindow, hypervisorOf, instanceState, runInstance } from './instance.ts';
import { checkInstanceArch } from './instance-arch.ts';
import { Ledger, newRunId } from './ledger.ts';
import { sleep } from './poll.ts';
import type { Ec2Settings } from './settings.ts';
import { type UploadProgress, uploadViaEbs } from './upload-ebs.ts';
import { uploadViaS3 } from './upload-s3.ts';

export interface CloudRunRequest {
  clients: AwsClients;
  settings: Ec2Settings;
  image: Ec2Image;
  variant: string | null;
  buildId?: number | null;
  boot: Pick<ResolvedBoot, 'markers'>;
  initIsScript: boolean;
  runId?: string;
  signal?: AbortSignal;
  /** Called once, before the first AWS call that costs anything. */
  onStart?: (input: BootInput) => void;
  onChunk?: (bytes: Buffer) => void;
  onLine?: (u: LineUpdate) => void;
  onPhase?: (phase: string, detail?: string) => void;
  onProgress?: (p: UploadProgress) => void;
}

export interface CloudRun {
  runId: string;
  input: BootInput;
  finish: BootFinishInput;
  outcome: BootOutcome;
  parse: ParseResult;
  stage: BootStage;
  console: Buffer;
  durationMs: number;
  resources: { snapshotId: string | null; imageId: string | null; instanceId: string | null };
  /** ms per phase: upload, register, launch, boot, cleanup. */
  phases: Record<string, number>;
  cleanup: CleanupItem[];
  /** Resources cleanup could not delete: `bootwatch ec2 cleanup` retries them. */
  leftovers: CleanupItem[];
  /** Console windows that shared nothing with what came before (output lost between polls). */
  consoleGaps: number;
}

/** Runs the boot; never throws for AWS's or the kernel's failures (they are in the result). */
export async function runOnEc2(req: CloudRunRequest): Promise<CloudRun> {
  const { clients, settings: s, image } = req;
  const runId = req.runId ?? newRunId();
  const t0 = performance.now();
  const phases: Record<string, number> = {};
  let phaseStart = t0;
  const phase = (name: string, detail?: string) => {
    const now = performance.now();
    phases[name] = Math.round(now - phaseStart);
    phaseStart = now;
    req.onPhase?.(name, detail);
  };
  const ledger = Ledger.open({
    runId,
    variant: req.variant,
    region: s.region,
    maxMinutes: s.maxMinutes,
    tags: s.tags,
  });
  const input: BootInput = {
    buildId: req.buildId ?? null,
    variant: req.variant,
    target: 'ec2',
    machine: s.instanceType,
    accel: hypervisorOf(s.instanceType),
    cmdline: image.cmdline,
    startedAt: new Date().toISOString(),
    host: hostname(),
    initIsScript: req.initIsScript,
    meta: {
      runId,
      markers: req.boot.markers,
      region: s.region,
      upload: s.upload,
      image: image.path,
      imageSha256: image.sha256,
      entry: image.entry,
      arch: image.arch,
      dryRun: clients.dryRun,
    },
  };
  const watch = new ConsoleWatch({
    markers: req.boot.markers,
    cmdline: image.cmdline,
    initIsScript: req.initIsScript,
    onLine: req.onLine,
  });
  const tracker = new ConsoleDeltaTracker();
  const chunks: Buffer[] = [];
  const res: CloudRun['resources'] = { snapshotId: null, imageId: null, instanceId: null };
  let harnessError: string | null = null;
  let reason: EndReason;
  const onAbort = () => watch.stop('cancelled');
  req.signal?.addEventListener('abort', onAbort, { once: true });
  const desc = `bootwatch ${req.variant ?? ''} ${runId} (sha256 ${image.sha256.slice(0, 12)})`;
  try {
    req.onStart?.(input);
    // Before the first call: EC2 would refuse the pair only at RunInstances, after the upload.
    checkInstanceArch(s.instanceType, image.arch);
    await checkInstanceBudget(clients, s.maxInstances);
    const up = {
      clients,
      ledger,
      image,
      description: desc,
      pollMs: s.pollMs,
      signal: req.signal,
      onProgress: req.onProgress,
    };
    res.snapshotId =
      s.upload === 's3'
        ? await uploadViaS3({
            ...up,
            bucket: s.bucket!,
            key: `${s.keyPrefix}${runId}/${req.variant ?? 'disk'}.raw`,
          })
        : await uploadViaEbs(up);
    phase('upload', res.snapshotId);
    res.imageId = await registerImage({
      clients,
      ledger,
      snapshotId: res.snapshotId,
      arch: image.arch,
      name: `bootwatch-${req.variant ?? 'boot'}-${runId}`,
      description: desc,
      pollMs: s.pollMs,
      signal: req.signal,
    });
    phase('register', res.imageId);
    res.instanceId = await runInstance({ clients, ledger, settings: s, imageId: res.imageId });
    input.meta = {
      ...input.meta,
      instanceId: res.instanceId,
      imageId: res.imageId,
      snapshotId: res.snapshotId,
    };
    phase('launch', res.instanceId);
    if (clients.dryRun) {
      req.onPhase?.(
        'console',
        `would poll GetConsoleOutput(Latest) every ${s.pollMs / 1000} s for up to ${s.maxMinutes} min`,
      );
      watch.stop('cancelled');
    }
    reason = await followConsole(req, res.instanceId, watch, tracker, chunks);
    phase('boot');
  } catch (err) {
    if (req.signal?.aborted) watch.stop('cancelled');
    else {
      harnessError = describeAwsError(err);
      watch.stop('harness_error');
    }
    reason = watch.endReason ?? 'harness_error';
  } finally {
    req.signal?.removeEventListener('abort', onAbort);
  }
  // Cleanup runs on every path, Ctrl-C included (the CLI keeps the process alive for it).
  const cleanup = await cleanupRun(clients, ledger);
  phase('cleanup');
  const parse = watch.finish();
  const outcome = decideOutcome(reason, parse);
  const leftovers = cleanup.filter((c) => !c.ok);
  const checks: BootCheck[] = [
    {
      name: 'ec2-cleanup',
      ok: leftovers.length === 0,
      // Cleanup is the harness's business: it never fails the kernel.
      harness: true,
      detail: leftovers.length
        ? `left behind: ${leftovers.map((l) => `${l.kind} ${l.id}`).join(', ')}`
        : `${cleanup.length} resource(s) deleted`,
    },
  ];
  const console = Buffer.concat(chunks);
  const durationMs = Math.round(performance.now() - t0);
  return {
    runId,
    input,
    finish: finishRecord(reason, outcome, harnessError, durationMs, checks, console.length),
    outcome,
    parse,
    stage: parse.lastStage,
    console,
    durationMs,
    resources: res,
    phases,
    cleanup,
    leftovers,
    consoleGaps: tracker.gaps,
  };
}

/** Polls the console until the watch decides, the instance is gone, or maxMinutes pass. */
async function followConsole(
  req: CloudRunRequest,
  instanceId: string,
  watch: ConsoleWatch,
  tracker: ConsoleDeltaTracker,
  chunks: Buffer[],
): Promise<EndReason> {
  const { clients, settings: s } = req;
  const deadline = Date.now() + s.maxMinutes * 60_000;
  const latest = { on: true };
  const take = (window: Buffer) => {
    const { fresh } = tracker.push(window);
    if (!fresh.length) return;
    chunks.push(fresh);
    req.onChunk?.(fresh);
    watch.push(fresh);
  };
  for (let poll = 0; !watch.endReason; poll++) {
    take(await consoleWindow(clients, instanceId, latest));
    if (watch.endReason) break;
    if (Date.now() >= deadline) {
      watch.stop('timeout');
      break;
    }
    // A guest that powered off terminates itself (InstanceInitiatedShutdownBehavior): read its last words.
    if (poll % 4 === 3) {
      const state = await instanceState(clients, instanceId);
      if (state === 'shutting-down' || state === 'terminated' || state === 'stopped') {
        take(await consoleWindow(clients, instanceId, latest));
        watch.stop('guest_exit');
        break;
      }
    }
    await Promise.race([sleep(s.pollMs, req.signal).catch(() => {}), watch.ended]);
  }
  // A panic's trace may still be printing: one more window after the quiet time.
  if (watch.endReason === 'panic')
    take(await consoleWindow(clients, instanceId, latest).catch(() => Buffer.alloc(0)));
  return watch.endReason ?? 'timeout';
}
