/**
 * `bootwatch run`: builds and boots every variant of a matrix in order, streaming builds,
 * progress and consoles to a collector (spooled when it is away), and returns one row per
 * variant plus the regressions found.
 */

import { ARCH_FACTS } from '../common/arch.ts';
import type { BootInput, BootOutcome } from '../common/types/ingest.ts';
import type { BuildProgress } from './build/build-kernel.ts';
import { type BuildOutcome, buildVariant } from './build/build-kernel.ts';
import type { BootUplink, CollectorClient, Delivery } from './collector-client.ts';
import { runEc2InMatrix } from './ec2/matrix-target.ts';
import { debootstrapDisk } from './images/debootstrap-disk.ts';
import { buildInitramfs, isScript } from './images/initramfs.ts';
import { buildRootfs } from './images/rootfs.ts';
import type { Matrix, ResolvedVariant } from './matrix/types.ts';
import { type BootRun, bootQemu } from './qemu/boot.ts';
import {
  defaultRegressionEngine,
  type Regression,
  type RegressionEngine,
  type RunOutcome,
} from './regression.ts';
import { type KernelSource, prepareSource } from './source.ts';

export interface VariantResult {
  variant: string;
  build: BuildOutcome | null;
  buildId: number | null;
  boot: BootRun | null;
  delivery: Delivery | null;
  /** The collector's verdict when it answered, else the runner's own. */
  outcome: BootOutcome | 'build_failed' | 'skipped';
  topDiagnosis: string | null;
  error: string | null;
}

export interface RunReport {
  matrix: string;
  results: VariantResult[];
  regressions: Regression[];
  /** Entries left in the spool (collector away). */
  spooled: number;
}

interface RunHooks {
  onBuildProgress?: (variant: string, p: BuildProgress) => void;
  onVariantDone?: (r: VariantResult) => void;
  onNotice?: (text: string) => void;
}

export interface RunOptions {
  collector: CollectorClient | null;
  only?: string[];
  jobs?: number;
  hooks?: RunHooks;
  /** Stops the current build or boot (an agent that lost its lease). */
  signal?: AbortSignal;
  /** Who judges regressions at the end (default: in-run baselines and the previous boot). */
  regressions?: RegressionEngine;
  /** Where the O= dirs go (default: the cache's build dir, one per matrix and variant). */
  buildRoot?: string;
}

/** Runs the matrix; never throws for a kernel's or a build's failure. */
export async function runMatrix(matrix: Matrix, opts: RunOptions): Promise<RunReport> {
  const { collector, hooks = {} } = opts;
  if (collector) {
    const flushed = await collector.flush();
    if (flushed.delivered)
      hooks.onNotice?.(`re-sent ${flushed.delivered} spooled item(s) to ${collector.baseUrl}`);
  }
  const variants = opts.only?.length
    ? matrix.variants.filter((v) => opts.only!.includes(v.name))
    : matrix.variants;
  const sources = new Map<string, KernelSource>();
  const builds = new Map<string, BuiltKernel>();
  const results: VariantResult[] = [];
  for (const v of variants) {
    const r = v.target === 'ec2' ? await runEc2InMatrix(v, opts) : await runVariant(v, sources, builds, opts);
    results.push(r);
    hooks.onVariantDone?.(r);
  }
  const runs: RunOutcome[] = results.map((r) => ({
    variant: r.variant,
    baseline: variants.find((v) => v.name === r.variant)?.baseline ?? null,
    outcome: r.outcome,
    bootId: r.delivery?.bootId ?? null,
  }));
  const regressions = await (opts.regressions ?? defaultRegressionEngine)(runs, collector);
  return { matrix: matrix.name, results, regressions, spooled: collector?.spool.pending().length ?? 0 };
}

/** A build already made in this run, reused by variants with the very same config. */
interface BuiltKernel {
  build: BuildOutcome;
  buildId: number | null;
  buildKey: string | null;
}

/** Builds and boots one variant (also an agent's job); never throws for the kernel's failures. */
export async function runVariant(
  v: ResolvedVariant,
  sources: Map<string, KernelSource>,
  builds: Map<string, BuiltKernel>,
  opts: RunOptions,
): Promise<VariantResult> {
  const { collector, hooks = {} } = opts;
  const res: VariantResult = {
    variant: v.name,
    build: null,
    buildId: null,
    boot: null,
    delivery: null,
    outcome: 'skipped',
    topDiagnosis: null,
    error: null,
  };
  let kernel = v.kernel;
  let buildKey: string | null = null;
  const configKey = JSON.stringify([v.source, v.base, v.fragments]);
  const same = kernel ? undefined : builds.get(configKey);
  if (same) {
    Object.assign(res, { build: same.build, buildId: same.buildId });
    buildKey = same.buildKey;
    if (!same.build.image) return { ...res, outcome: 'build_failed', error: 'build failed' };
    kernel = same.build.image;
  } else if (!kernel) {
    try {
      const key = `${v.source!.kind}:${v.source!.path}`;
      let src = sources.get(key);
      if (!src) {
        src = await prepareSource(v.source!);
        sources.set(key, src);
      }
      res.build = await buildVariant(v, src, {
        buildRoot: opts.buildRoot,
        jobs: opts.jobs,
        signal: opts.signal,
        onProgress: (p) => {
          hooks.onBuildProgress?.(v.name, p);
          collector?.progress({ variant: v.name, phase: p.phase, percent: p.percent, message: p.message });
        },
      });
    } catch (err) {
      res.error = (err as Error).message;
      res.outcome = 'build_failed';
      return res;
    }
    for (const line of res.build.droppedLines) hooks.onNotice?.(`${v.name}: ${line}`);
    if (collector) {
      const posted = await collector.postBuild(res.build.input);
      res.buildId = posted.id;
      buildKey = posted.key;
    }
    builds.set(configKey, { build: res.build, buildId: res.buildId, buildKey });
    if (!res.build.image) {
      res.outcome = 'build_failed';
      res.error = res.build.input.errors?.[0] ?? 'build failed';
      return res;
    }
    kernel = res.build.image;
  }
  if (v.skipBoot) return res;
  let uplink: BootUplink | null = null;
  let input: BootInput | null = null;
  const openUplink = () => {
    if (!uplink && collector && input)
      uplink = collector.openBoot(input, res.buildId == null ? buildKey : null);
    return uplink;
  };
  try {
    const { initrd, disk, script } = await prepareImages(v);
    res.boot = await bootQemu({
      variant: v.name,
      arch: v.arch,
      buildId: res.buildId,
      kernel,
      boot: v.boot,
      initrd,
      disk,
      initIsScript: script,
      signal: opts.signal,
      onStart: (i) => {
        input = i;
      },
      // Opened at the first byte: a KVM attempt that never spoke leaves no empty boot behind.
      onChunk: (b) => openUplink()?.write(b),
    });
    input = res.boot.input;
    res.outcome = res.boot.outcome;
    const top = res.boot.parse.diagnosis[0];
    res.topDiagnosis = top ? top.option : null;
    const up = openUplink() as BootUplink | null;
    if (up) {
      res.delivery = await up.finish(res.boot.finish);
      // The stored verdict wins, except that a timeout is `stalled` whatever init printed before it.
      const timedOut = res.boot.finish.endReason === 'timeout' || res.boot.finish.endReason === 'cancelled';
      if (res.delivery.outcome && res.boot.outcome !== 'error' && !timedOut)
        res.outcome = res.delivery.outcome;
    }
  } catch (err) {
    res.error = (err as Error).message;
    res.outcome = 'error';
  }
  return res;
}

/** The initramfs and root disk a variant boots with; `script` when /init starts with #!. */
export async function prepareImages(
  v: ResolvedVariant,
): Promise<{ initrd: string | null; disk: string | null; script: boolean }> {
  const ir = v.boot.initramfs;
  let initrd: string | null = null;
  let script = false;
  if (ir?.kind === 'busybox') {
    initrd = buildInitramfs(ir.init, ir.busybox, ir.files);
    script = isScript(ir.init);
  } else if (ir?.kind === 'cpio') initrd = ir.path;
  const d = v.boot.disk;
  let disk: string | null = null;
  if (d?.debootstrap) disk = await debootstrapDisk(d.debootstrap, d.sizeMb, ARCH_FACTS[v.arch].console);
  else if (d?.init) disk = await buildRootfs(d.init, d.busybox, d.sizeMb);
  if (d?.init && !initrd) script = isScript(d.init);
  return { initrd, disk, script };
}
