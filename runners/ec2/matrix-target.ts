/** `target: ec2` inside `bootwatch run`: the EC2 flow with the matrix's settings, reported as a run row. */

import type { ResolvedVariant } from '../matrix/types.ts';
import type { RunOptions, VariantResult } from '../run-matrix.ts';
import type { AwsClients } from './aws.ts';
import { resolveEc2Settings } from './settings.ts';

/** Runs one ec2 variant of a matrix; never throws (a refused guard rail is the row's error). */
export async function runEc2InMatrix(v: ResolvedVariant, opts: RunOptions): Promise<VariantResult> {
  const hooks = opts.hooks ?? {};
  let settings: ReturnType<typeof resolveEc2Settings>;
  try {
    settings = resolveEc2Settings(v.ec2, {}, undefined, v.arch);
  } catch (err) {
    const error = (err as Error).message;
    return {
      variant: v.name,
      build: null,
      buildId: null,
      boot: null,
      delivery: null,
      outcome: 'error',
      topDiagnosis: null,
      error,
    };
  }
  // Loaded here: the AWS SDK is big, and most `bootwatch run`s never need it.
  const { createAwsClients } = await import('./aws.ts');
  const { runEc2Variant } = await import('./run-variant.ts');
  let clients: AwsClients | null = null;
  try {
    const r = await runEc2Variant({
      variant: v,
      settings,
      clients: () => {
        clients ??= createAwsClients({ region: settings.region });
        return clients;
      },
      collector: opts.collector,
      signal: opts.signal,
      jobs: opts.jobs,
      hooks: {
        onNotice: hooks.onNotice,
        onBuildProgress: (p) => hooks.onBuildProgress?.(v.name, p),
        onPhase: (p, d) => hooks.onNotice?.(`${v.name}: ${p}${d ? `: ${d}` : ''}`),
      },
    });
    const boot = r.cloud ? { ...r.cloud, qemuStderr: '', verdictLatencyMs: null } : r.rehearsal;
    return {
      variant: v.name,
      build: r.build,
      buildId: r.buildId,
      boot,
      delivery: r.cloudDelivery ?? r.rehearsalDelivery,
      outcome: r.outcome,
      topDiagnosis: boot?.parse.diagnosis[0]?.option ?? null,
      error: r.error,
    };
  } finally {
    (clients as AwsClients | null)?.destroy();
  }
}
