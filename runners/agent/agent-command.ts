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
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  await runAgent({
    databaseUrl: opts.database ?? null,
    collectorUrl: opts.collector ?? null,
    name: opts.name,
    capabilities: agentCapabilities(opts),
    once: opts.once,
    heartbeatMs: opts.heartbeatMs,
    staleMs: opts.staleMs,
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
