/**
 * The live state of one boot's console at the collector: its incremental parser and how
 * far storage got. Work on a session runs one step at a time, in arrival order.
 */
import type { BootOutcome } from '../../common/types/ingest.ts';
import type { ParserContext } from '../../common/types/parse.ts';
import { BootLogParser } from '../parser/index.ts';

export class ConsoleSession {
  /** Bytes stored; a chunk must start at or before this. */
  offset: number;
  /** Lines stored (the number of the last one). */
  lines: number;
  /** Events stored; the next event's sequence number. */
  eventSeq: number;
  /** Set once the boot has finished: no parser is kept then. */
  outcome: BootOutcome | null;
  readonly parser: BootLogParser | null;
  /** When the boot's summary row last got a parser snapshot (ms). */
  snapshotAt = 0;
  /**
   * Set when a failed write left the parser ahead of storage: steps already queued on this
   * session must not use it, but start over on one rebuilt from the database.
   */
  stale = false;
  private tail: Promise<unknown> = Promise.resolve();

  constructor(
    readonly bootId: number,
    readonly variant: string | null,
    state: { offset: number; lines: number; eventSeq: number; outcome: BootOutcome | null },
    context: ParserContext,
  ) {
    this.offset = state.offset;
    this.lines = state.lines;
    this.eventSeq = state.eventSeq;
    this.outcome = state.outcome;
    this.parser = state.outcome ? null : new BootLogParser({ context });
  }

  get finished(): boolean {
    return this.outcome !== null;
  }

  /** Runs `step` after every step queued before it. */
  run<T>(step: () => Promise<T>): Promise<T> {
    const next = this.tail.then(step, step);
    this.tail = next.catch(() => {});
    return next;
  }
}
