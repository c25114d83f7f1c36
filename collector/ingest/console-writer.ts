/**
 * Group commit for console ingest. A step that arrives while a transaction is in flight waits
 * and goes with every other waiting step in the next one: fifty streaming boots cost a few
 * transactions a second instead of one per chunk each, the readers keep the connections, and
 * nothing is acknowledged before the transaction holding it has committed.
 */
import { BootwatchError } from '../../common/errors.ts';
import type { Initcall, LineUpdate, ParseResult } from '../../common/types/parse.ts';
import type { Database } from '../db/client.ts';
import { updateBootSnapshots } from '../db/queries/boots.ts';
import { advanceConsoles, insertConsoleBytes, insertConsoleLines } from '../db/queries/console.ts';
import { type EventRun, insertEvents, insertInitcalls } from '../db/queries/findings.ts';

/** One boot's ingest step: console bytes at its stored mark, and what the parser made of them. */
export interface ConsoleWrite {
  bootId: number;
  /** The boot's stored-byte mark the bytes start at. */
  from: number;
  bytes: Uint8Array;
  /** Lines not stored yet. */
  lines: LineUpdate[];
  /** Lines stored once this is (the number of the last one). */
  consoleLines: number;
  events: EventRun;
  initcalls: Initcall[];
  /** The parser's view for the boot's summary row, when it is due. */
  snapshot: ParseResult | null;
}

interface Pending {
  write: ConsoleWrite;
  resolve(): void;
  reject(err: unknown): void;
}

/** Bounds on one transaction: a burst splits into several rather than one huge statement. */
const MAX_WRITES = 256;
const MAX_BYTES = 16 << 20;

export class ConsoleWriter {
  private queue: Pending[] = [];
  private flushing = false;

  constructor(private readonly database: Database) {}

  /** Stores `write`; resolves once committed, `conflict` when another writer moved the boot's mark first. */
  write(write: ConsoleWrite): Promise<void> {
    return new Promise((resolve, reject) => {
      this.queue.push({ write, resolve, reject });
      if (!this.flushing) void this.flush();
    });
  }

  private async flush(): Promise<void> {
    this.flushing = true;
    try {
      // Steps that arrive in the same turn of the event loop share the first transaction too.
      await new Promise<void>((resolve) => setImmediate(resolve));
      while (this.queue.length) await this.commit(this.take());
    } finally {
      this.flushing = false;
    }
  }

  /** The next transaction's writes: in arrival order, within the bounds, one per boot. */
  private take(): Pending[] {
    const taken: Pending[] = [];
    const rest: Pending[] = [];
    const boots = new Set<number>();
    let bytes = 0;
    for (const p of this.queue) {
      const full = taken.length >= MAX_WRITES || (taken.length > 0 && bytes >= MAX_BYTES);
      if (full || boots.has(p.write.bootId)) rest.push(p);
      else {
        taken.push(p);
        boots.add(p.write.bootId);
        bytes += p.write.bytes.length;
      }
    }
    this.queue = rest;
    return taken;
  }

  private async commit(batch: Pending[]): Promise<void> {
    try {
      await this.database.writeTransaction(async (tx, copy) => {
        const writes = batch.map((p) => p.write);
        const moved = await advanceConsoles(
          tx,
          writes.map((w) => ({
            bootId: w.bootId,
            from: w.from,
            to: w.from + w.bytes.length,
            lines: w.consoleLines,
          })),
        );
        const stale = writes.find((w) => !moved.has(w.bootId));
        if (stale)
          throw new BootwatchError(
            'conflict',
            `boot ${stale.bootId}'s console was written concurrently; resend from its stored offset`,
          );
        // The boots' rows are held now: nothing below is a replay, so COPY needs no conflict check.
        const bytes = writes.map((w) => ({ bootId: w.bootId, offset: w.from, bytes: w.bytes }));
        await insertConsoleBytes(tx, bytes, copy);
        await insertConsoleLines(
          tx,
          writes.map((w) => ({ bootId: w.bootId, lines: w.lines })),
          copy,
        );
        await insertEvents(
          tx,
          writes.map((w) => w.events),
          copy,
        );
        await insertInitcalls(
          tx,
          writes.map((w) => ({ bootId: w.bootId, initcalls: w.initcalls })),
          copy,
        );
        const due = writes.flatMap((w) => (w.snapshot ? [{ id: w.bootId, result: w.snapshot }] : []));
        await updateBootSnapshots(tx, due);
      });
    } catch (err) {
      if (batch.length === 1) return batch[0].reject(err);
      // One write's failure must not fail the others: each goes again on its own.
      for (const p of batch) await this.commit([p]);
      return;
    }
    for (const p of batch) p.resolve();
  }
}
