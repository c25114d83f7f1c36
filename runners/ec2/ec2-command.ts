/**
 * `bootwatch ec2 run|image|cleanup` at work. Ctrl-C once cancels the boot and deletes what
 * the run created; twice leaves at once (then `ec2 cleanup`).
 */
import { dirname } from 'node:path';
import { BootwatchError } from '../../common/errors.ts';
import { CollectorClient } from '../collector-client.ts';
import { openEmbeddedCollector } from '../embedded-collector.ts';
import { loadMatrix, pickNamed } from '../matrix/load.ts';
import type { ResolvedVariant } from '../matrix/types.ts';
import { type AwsCall, createAwsClients } from './aws.ts';
import { cleanupLeftovers, findLeftovers } from './cleanup.ts';
import { type Ec2VariantResult, runEc2Variant } from './run-variant.ts';
import { type Ec2Overrides, environmentRegion, resolveEc2Settings } from './settings.ts';
import { buildVariantImage } from './variant-image.ts';

export interface RunOpts {
  only?: string;
  collector?: string;
  region?: string;
  instanceType?: string;
  subnet?: string;
  securityGroup?: string;
  maxInstances?: number;
  maxMinutes?: number;
  upload?: 'ebs' | 's3';
  bucket?: string;
  rehearse?: boolean;
  rehearseOnly?: boolean;
  force?: boolean;
  dryRun?: boolean;
  json?: boolean;
  jobs?: number;
}

const say = (s: string) => process.stderr.write(`${s}\n`);

/** Prints a dry run's calls: each one once, the per-block ones counted. */
function callPrinter(): { onCall: (c: AwsCall) => void; summary: () => void } {
  const counted = new Map<string, number>();
  const bulky = new Set(['PutSnapshotBlock', 'UploadPart']);
  const compact = (input: Record<string, unknown>) =>
    JSON.stringify(input, (k, v) => (k === 'BlockData' || k === 'Body' ? '<bytes>' : v));
  return {
    onCall: (c) => {
      if (bulky.has(c.command)) {
        counted.set(c.command, (counted.get(c.command) ?? 0) + 1);
        if (counted.get(c.command) !== 1) return;
      }
      process.stdout.write(`${c.service} ${c.command} ${compact(c.input)}\n`);
    },
    summary: () => {
      for (const [cmd, n] of counted) process.stdout.write(`(${cmd} × ${n} in all)\n`);
    },
  };
}

function overrides(o: RunOpts): Ec2Overrides {
  return {
    region: o.region,
    instanceType: o.instanceType,
    subnetId: o.subnet,
    securityGroupIds: o.securityGroup?.split(',').map((s) => s.trim()),
    maxInstances: o.maxInstances,
    maxMinutes: o.maxMinutes,
    upload: o.upload,
    bucket: o.bucket,
    rehearse: o.dryRun ? false : o.rehearse,
  };
}

function pickVariants(
  file: string,
  only: string | undefined,
): { variants: ResolvedVariant[]; matrixFile: string } {
  const matrix = loadMatrix(file);
  const names = only?.split(',').map((s) => s.trim());
  const variants = names ? pickNamed(matrix, names) : matrix.variants.filter((v) => v.target === 'ec2');
  if (!variants.length)
    throw new BootwatchError(
      'input.invalid',
      `${file} has no variant with target: ec2 (or name one with --only)`,
    );
  return { variants, matrixFile: matrix.file };
}

/** Installs Ctrl-C/SIGTERM handling for the run; returns the signal and an uninstall. */
function interrupts(): { signal: AbortSignal; done: () => void } {
  const ac = new AbortController();
  let count = 0;
  const on = () => {
    count++;
    if (count === 1) {
      say(
        'bootwatch: interrupted; cancelling the boot and deleting what this run created (Ctrl-C again to leave it to `bootwatch ec2 cleanup`)',
      );
      ac.abort(new BootwatchError('harness.failed', 'interrupted'));
    } else process.exit(130);
  };
  process.on('SIGINT', on);
  process.on('SIGTERM', on);
  return {
    signal: ac.signal,
    done: () => {
      process.off('SIGINT', on);
      process.off('SIGTERM', on);
    },
  };
}

export async function ec2Run(file: string, o: RunOpts): Promise<number> {
  const { variants, matrixFile } = pickVariants(file, o.only);
  // Guard rails first: a refused setting costs no collector start and no build.
  const settingsOf = new Map(
    variants.map((v) => [v.name, resolveEc2Settings(v.ec2, overrides(o), dirname(matrixFile), v.arch)]),
  );
  const printer = callPrinter();
  let collector: CollectorClient | null = null;
  let closeCollector = async () => {};
  if (o.collector) collector = new CollectorClient(o.collector);
  else if (!o.dryRun) {
    const emb = await openEmbeddedCollector();
    collector = new CollectorClient(emb.url);
    closeCollector = emb.close;
  }
  const intr = interrupts();
  const results: Ec2VariantResult[] = [];
  try {
    for (const v of variants) {
      const settings = settingsOf.get(v.name)!;
      if (o.dryRun)
        say(`${v.name}: dry run in ${settings.region}: the calls below are printed, not made (no rehearsal)`);
      const clients = createAwsClients({
        region: settings.region,
        dryRun: o.dryRun,
        onCall: o.dryRun ? printer.onCall : undefined,
      });
      try {
        const r = await runEc2Variant({
          variant: v,
          settings,
          clients: () => clients,
          collector,
          force: o.force,
          rehearseOnly: o.rehearseOnly,
          signal: intr.signal,
          jobs: o.jobs,
          hooks: {
            onNotice: (t) => say(t),
            onPhase: (p, d) => say(`${v.name}: ${p}${d ? `: ${d}` : ''}`),
          },
        });
        results.push(r);
        say(summary(r));
      } finally {
        clients.destroy();
      }
      if (intr.signal.aborted) break;
    }
  } finally {
    intr.done();
    printer.summary();
    await closeCollector();
  }
  if (o.json) process.stdout.write(`${JSON.stringify(results.map(jsonRow))}\n`);
  if (intr.signal.aborted) return 130;
  return results.every((r) => r.error === null && (r.outcome === 'booted' || o.dryRun)) ? 0 : 1;
}

function summary(r: Ec2VariantResult): string {
  const parts = [`${r.variant}:`];
  if (r.rehearsal)
    parts.push(
      `rehearsal ${r.rehearsal.outcome} (${(r.rehearsal.durationMs / 1000).toFixed(1)} s, ${r.rehearsal.input.accel})`,
    );
  if (r.cloud)
    parts.push(
      `ec2 ${r.cloud.outcome} (${r.cloud.input.machine}, ${r.cloud.finish.endReason}, ${(r.cloud.durationMs / 1000).toFixed(1)} s), cleaned ${r.cloud.cleanup.filter((c) => c.ok).length}/${r.cloud.cleanup.length}`,
    );
  if (r.error) parts.push(`error: ${r.error}`);
  return parts.join(' · ');
}

function jsonRow(r: Ec2VariantResult) {
  return {
    variant: r.variant,
    outcome: r.outcome,
    error: r.error,
    image: r.image && {
      path: r.image.path,
      sha256: r.image.sha256,
      sizeBytes: r.image.sizeBytes,
      buildMs: r.image.buildMs,
    },
    rehearsal: r.rehearsal && {
      outcome: r.rehearsal.outcome,
      endReason: r.rehearsal.finish.endReason,
      durationMs: r.rehearsal.durationMs,
      bootId: r.rehearsalDelivery?.bootId ?? null,
    },
    cloud: r.cloud && {
      runId: r.cloud.runId,
      outcome: r.cloud.outcome,
      endReason: r.cloud.finish.endReason,
      harnessError: r.cloud.finish.harnessError,
      resources: r.cloud.resources,
      phases: r.cloud.phases,
      cleanup: r.cloud.cleanup,
      consoleBytes: r.cloud.console.length,
      bootId: r.cloudDelivery?.bootId ?? null,
    },
  };
}

export async function ec2Image(file: string, o: RunOpts): Promise<number> {
  const { variants, matrixFile } = pickVariants(file, o.only);
  for (const v of variants) {
    if (!v.kernel)
      throw new BootwatchError(
        'input.invalid',
        `${v.name}: 'ec2 image' needs a prebuilt kernel; 'ec2 run --rehearse-only' builds one`,
      );
    const s = resolveEc2Settings(v.ec2, overrides(o), dirname(matrixFile), v.arch);
    const img = await buildVariantImage(v, s, v.kernel);
    process.stdout.write(
      `${v.name}\t${img.path}\tsha256:${img.sha256}\t${img.sizeBytes} bytes (${img.dataBytes} with data)\t${(img.buildMs / 1000).toFixed(1)} s${img.cached ? ' (cached)' : ''}\n`,
    );
  }
  return 0;
}

export interface CleanupOpts {
  region?: string;
  run?: string;
  all?: boolean;
  bucket?: string;
  prefix?: string;
  list?: boolean;
  dryRun?: boolean;
  json?: boolean;
}

export async function ec2Cleanup(o: CleanupOpts): Promise<number> {
  const region = o.region ?? environmentRegion();
  if (!region) throw new BootwatchError('input.invalid', 'ec2 cleanup: give --region (or AWS_REGION)');
  const printer = callPrinter();
  const clients = createAwsClients({
    region,
    dryRun: o.dryRun,
    onCall: o.dryRun ? printer.onCall : undefined,
  });
  try {
    const found = await findLeftovers(clients, {
      runId: o.run,
      all: o.all,
      bucket: o.bucket,
      keyPrefix: o.prefix,
    });
    for (const l of found)
      say(
        `${l.kind}\t${l.id}\trun ${l.runId ?? '?'}${l.bucket ? `\ts3://${l.bucket}` : ''}${l.skipped ? `\tskipped: ${l.skipped}` : ''}`,
      );
    if (!found.length) say(`no bootwatch leftovers in ${region}`);
    if (o.list) {
      if (o.json) process.stdout.write(`${JSON.stringify({ found, deleted: [] })}\n`);
      return 0;
    }
    const deleted = await cleanupLeftovers(clients, found);
    for (const d of deleted)
      say(`${d.ok ? 'deleted' : 'FAILED '}\t${d.kind}\t${d.id}${d.error ? `\t${d.error}` : ''}`);
    if (o.json) process.stdout.write(`${JSON.stringify({ found, deleted })}\n`);
    return deleted.every((d) => d.ok) ? 0 : 6;
  } finally {
    printer.summary();
    clients.destroy();
  }
}
