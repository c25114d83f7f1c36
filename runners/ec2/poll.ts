/** Waiting on AWS without blocking Ctrl-C: sleeps and polls that stop when the run is aborted. */
import { BootwatchError } from '../../common/errors.ts';

/** Resolves after `ms`, or rejects with the abort reason as soon as `signal` fires. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortError(signal));
    const onAbort = () => {
      clearTimeout(t);
      reject(abortError(signal!));
    };
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export function abortError(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new BootwatchError('harness.failed', 'cancelled');
}

/** Calls `check` every `intervalMs` until it returns a value (not undefined); throws after `timeoutMs`. */
export async function pollUntil<T>(
  what: string,
  check: () => Promise<T | undefined>,
  o: { intervalMs: number; timeoutMs: number; signal?: AbortSignal },
): Promise<T> {
  const deadline = Date.now() + o.timeoutMs;
  for (;;) {
    if (o.signal?.aborted) throw abortError(o.signal);
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() >= deadline)
      throw new BootwatchError(
        'harness.failed',
        `timed out after ${Math.round(o.timeoutMs / 1000)} s waiting for ${what}`,
      );
    await sleep(o.intervalMs, o.signal);
  }
}
