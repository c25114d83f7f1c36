/** `bootwatch agent` and `bootwatch submit`: the CLI side of the job queue. */
import { BootwatchError } from '../../common/errors.ts';
import { loadMatrix } from '../matrix/load.ts';
import { runAgent } from './agent.ts';
import { agentCapabilities, type CapabilityFlags } from './capabilities.ts';
import { openJobSink, submitMatrix } from './queue.ts';

/** Where jobs live: the collector's API, or its queue straight on PostgreSQL; a message saying how to give one. */
export function needQueue(o: { database?: string; collector?: string }): {
  database?: string;
  collector?: string;
} {
  if (!o.database && !o.collector)
    throw new BootwatchError(
      'input.invalid',
      'give --collector URL (with BOOTWATCH_TOKEN, a submit token) or --database URL (the queue on PostgreSQL)',
    );
  return o;
}

export async function agentCommand(
  opts: {
    collector?: string;
    database?: string;
    name?: string;
    once?: boolean;
    heartbeatMs?: number;
    staleMs?: number;
  } & CapabilityFlags,
): Promise<number> {
  needQueue(opts);
  const heartbeatMs = opts.heartbeatMs ?? 5000;
  const staleMs = opts.staleMs ?? 30_000;
  if (!Number.isInteger(heartbeatMs) || heartbeatMs < 100 || heartbeatMs > 600_000)
    throw new BootwatchError('input.invalid', `--heartbeat-ms must be a whole number from 100 to 600000`);
  if (!Number.isInteger(staleMs) || staleMs <= heartbeatMs || staleMs > 600_000)
    throw new BootwatchError(
      'input.invalid',
      `--stale-ms must be a whole number above --heartbeat-ms (${heartbeatMs}) and at most 600000`,
    );
  const stop = new AbortController();
  // The first signal stops cleanly (jobs given back, offline at once); the default action of a second one ends it at once.
  const onSignal = (sig: NodeJS.Signals) => {
    process.stderr.write(`agent: ${sig}: stopping its jobs and giving them back (again to end at once)\n`);
    stop.abort();
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  await runAgent({
    databaseUrl: opts.database ?? null,
    collectorUrl: opts.collector ?? null,
    name: opts.name,
    capabilities: agentCapabilities(opts),
    once: opts.once,
    heartbeatMs,
    staleMs,
    signal: stop.signal,
  });
  return 0;
}

export async function submitCommand(
  file: string,
  opts: { database?: string; collector?: string; only?: string[] },
): Promise<number> {
  const matrix = loadMatrix(file);
  const sink = await openJobSink(needQueue(opts));
  try {
    const ids = await submitMatrix(sink, matrix, opts.only);
    for (const id of ids) process.stdout.write(`${id}\n`);
    return 0;
  } finally {
    await sink.close();
  }
}
