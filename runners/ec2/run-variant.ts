/**
 * A `target: ec2` variant end to end: its kernel (built like any variant, or prebuilt),
 * the EFI disk image, the rehearsal under QEMU + OVMF + NVMe (stored as a `qemu` boot),
 * then the cloud boot (stored as an `ec2` boot), both streamed to the collector.
 */
import { BootwatchError } from '../../common/errors.ts';
import type { BootFinishInput, BootInput, BootOutcome } from '../../common/types/ingest.ts';
import { type BuildOutcome, type BuildProgress, buildVariant } from '../build/build-kernel.ts';
import type { BootUplink, CollectorClient, Delivery } from '../collector-client.ts';
import { isScript } from '../images/initramfs.ts';
import type { ResolvedVariant } from '../matrix/types.ts';
import type { BootRun } from '../qemu/boot.ts';
import { prepareSource } from '../source.ts';
import type { AwsClients } from './aws.ts';
import { type CloudRun, runOnEc2 } from './cloud-run.ts';
import type { Ec2Image } from './image.ts';
import { rehearse } from './rehearse.ts';
import type { Ec2Settings } from './settings.ts';
import type { UploadProgress } from './upload-ebs.ts';
import { buildVariantImage, rootInit } from './variant-image.ts';

interface Ec2VariantHooks {
  onNotice?: (text: string) => void;
  onBuildProgress?: (p: BuildProgress) => void;
  onPhase?: (phase: string, detail?: string) => void;
  onProgress?: (p: UploadProgress) => void;
}

export interface Ec2VariantOptions {
  variant: ResolvedVariant;
  settings: Ec2Settings;
  /** Created lazily: a rehearsal that fails spends no AWS call at all. */
  clients: () => AwsClients;
  collector: CollectorClient | null;
  /** Go to EC2 even when the rehearsal did not boot. */
  force?: boolean;
  /** Build and rehearse, no cloud. */
  rehearseOnly?: boolean;
  signal?: AbortSignal;
  jobs?: number;
  hooks?: Ec2VariantHooks;
}

export interface Ec2VariantResult {
  variant: string;
  build: BuildOutcome | null;
  buildId: number | null;
  image: Ec2Image | null;
  rehearsal: BootRun | null;
  rehearsalDelivery: Delivery | null;
  cloud: CloudRun | null;
  cloudDelivery: Delivery | null;
  /** The cloud boot's outcome when it ran, else the rehearsal's; `error` for harness failures. */
  outcome: BootOutcome | 'build_failed' | 'skipped';
  error: string | null;
}

/** Streams one boot to the collector: opened at `onStart`, bytes as they come, then the finish. */
class BootStream {
  private up: BootUplink | null = null;
  constructor(
    private readonly collector: CollectorClient | null,
    private readonly buildId: number | null,
    private readonly buildKey: string | null,
  ) {}
  start = (input: BootInput): void => {
    this.up =
      this.collector?.openBoot(
        { ...input, buildId: this.buildId },
        this.buildId == null ? this.buildKey : null,
      ) ?? null;
  };
  chunk = (b: Buffer): void => this.up?.write(b);
  async finish(f: BootFinishInput): Promise<Delivery | null> {
    return this.up ? this.up.finish(f) : null;
  }
}

/** Runs the variant; harness and AWS failures are in the result, never thrown. */
export async function runEc2Variant(o: Ec2VariantOptions): Promise<Ec2VariantResult> {
  const { variant: v, settings: s, collector, hooks = {} } = o;
  const res: Ec2VariantResult = {
    variant: v.name,
    build: null,
    buildId: null,
    image: null,
    rehearsal: null,
    rehearsalDelivery: null,
    cloud: null,
    cloudDelivery: null,
    outcome: 'skipped',
    error: null,
  };
  try {
    if (s.arch !== v.arch)
      throw new BootwatchError(
        'input.invalid',
        `variant ${v.name} is ${v.arch}, its EC2 settings were resolved for ${s.arch}`,
      );
    let kernel = v.kernel;
    let buildKey: string | null = null;
    if (!kernel) {
      const src = await prepareSource(v.source!);
      res.build = await buildVariant(v, src, {
        jobs: o.jobs,
        onProgress: hooks.onBuildProgress,
        signal: o.signal,
      });
      for (const line of res.build.droppedLines) hooks.onNotice?.(`${v.name}: ${line}`);
      if (collector) {
        const posted = await collector.postBuild(res.build.input);
        res.buildId = posted.id;
        buildKey = posted.key;
      }
      if (!res.build.image) {
        res.outcome = 'build_failed';
        res.error = res.build.input.errors?.[0] ?? 'build failed';
        return res;
      }
      kernel = res.build.image;
    }
    const init = rootInit(v, s);
    const initIsScript = init ? isScript(init) : false;
    hooks.onPhase?.('image', 'building the EFI disk image');
    res.image = await buildVariantImage(v, s, kernel, (l) => hooks.onNotice?.(l));
    hooks.onPhase?.(
      'image',
      `${res.image.path} (${(res.image.buildMs / 1000).toFixed(1)} s${res.image.cached ? ', cached' : ''})`,
    );
    if (s.rehearse) {
      hooks.onPhase?.('rehearsal', `QEMU + ${s.arch === 'arm64' ? 'AAVMF' : 'OVMF'} + NVMe`);
      const stream = new BootStream(collector, res.buildId, buildKey);
      res.rehearsal = await rehearse({
        variant: v.name,
        buildId: res.buildId,
        image: res.image,
        kernel,
        boot: v.boot,
        initIsScript,
        onStart: stream.start,
        onChunk: stream.chunk,
        signal: o.signal,
      });
      res.rehearsalDelivery = await stream.finish(res.rehearsal.finish);
      res.outcome = res.rehearsal.outcome;
      hooks.onPhase?.(
        'rehearsal',
        `${res.rehearsal.outcome} (${(res.rehearsal.durationMs / 1000).toFixed(1)} s, ${res.rehearsal.input.accel})`,
      );
      if (o.signal?.aborted) return res;
      if (res.rehearsal.outcome !== 'booted' && !o.force) {
        res.error = `the rehearsal did not boot (${res.rehearsal.outcome}): not going to EC2 (--force to go anyway)`;
        return res;
      }
    }
    if (o.rehearseOnly) return res;
    const stream = new BootStream(collector, res.buildId, buildKey);
    const clients = o.clients();
    res.cloud = await runOnEc2({
      clients,
      settings: s,
      image: res.image,
      variant: v.name,
      buildId: res.buildId,
      boot: v.boot,
      initIsScript,
      signal: o.signal,
      onStart: clients.dryRun ? undefined : stream.start,
      onChunk: stream.chunk,
      onPhase: hooks.onPhase,
      onProgress: hooks.onProgress,
    });
    res.cloudDelivery = await stream.finish(res.cloud.finish);
    res.outcome = res.cloud.outcome;
    if (res.cloud.finish.harnessError) res.error = res.cloud.finish.harnessError;
    if (res.cloud.leftovers.length)
      hooks.onNotice?.(
        `${v.name}: could not delete ${res.cloud.leftovers.map((l) => `${l.kind} ${l.id}`).join(', ')}: run 'bootwatch ec2 cleanup --region ${s.region}'`,
      );
  } catch (err) {
    res.error = (err as Error).message;
    res.outcome = 'error';
  }
  return res;
}
