/** `bootwatch agent` and `bootwatch submit`: the CLI side of the job queue. */
import { BootwatchError } from '../../common/errors.ts';
import { loadMatrix } from '../matrix/load.ts';
import { runAgent } from './agent.ts';
import { openQueue, submitMatrix } from './queue.ts';

/** The queue's PostgreSQL URL, or a message saying how to give one. */
export function needDatabase(url: string | undefined): string {
  if (!url)
    throw new BootwatchError(
      'input.invalid',
      'the job queue lives in PostgreSQL: give --database URL or set DATABASE_URL',
    );
  return url;
}

export async function agentCommand(opts: {
  collector?: string;
  database?: string;
  name?: string;
  once?: boolean;
  heartbeatMs?: number;
  staleMs?: number;
}): Promise<number> {
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  await runAgent({
    databaseUrl: needDatabase(opts.database),
    collectorUrl: opts.collector ?? null,
    name: opts.name,
    once: opts.once,
    heartbeatMs: opts.heartbeatMs,
    staleMs: opts.staleMs,
    signal: stop.signal,
  });
  return 0;
}

export async function submitCommand(
  file: string,
  opts: { database?: string; only?: string[] },
): Promise<number> {
  const matrix = loadMatrix(file);
  const q = await openQueue(needDatabase(opts.database));
  try {
    const ids = await submitMatrix(q, matrix, opts.only);
    for (const id of ids) process.stdout.write(`${id}\n`);
    return 0;
  } finally {
    await q.close();
  }
}
