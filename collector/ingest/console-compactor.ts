/**
 * Compresses finished consoles at rest: a boot's raw chunks (stored as they streamed in)
 * become brotli segments of up to SEGMENT_BYTES once the boot has finished. One boot at a
 * time, in the background, so ingest and readers keep the CPU; what a stopped collector
 * left raw (and rows older than compression) is found again at the next start.
 */
import { compressConsole } from '../db/blobs.ts';
import type { Db } from '../db/client.ts';
import { bootsToCompact, rawChunks, replaceRawChunks } from '../db/queries/console.ts';

/** Raw bytes per compressed segment: a window brotli uses whole, and a bounded read. */
const SEGMENT_BYTES = 1 << 20;
/** Raw rows read per step (streamed chunks are a few KiB each). */
const ROWS_PER_STEP = 1024;
/** Boots looked up per sweep query. */
const SWEEP_BATCH = 100;

export class ConsoleCompactor {
  private readonly queue = new Set<number>();
  private found: number[] = [];
  private running: Promise<void> | null = null;
  private stopped = false;
  private sweepAgain = false;

  constructor(
    private readonly db: Db,
    /** Where a failure goes (the compaction is retried by the next sweep). */
    private readonly onError: (err: unknown, bootId: number) => void = () => {},
  ) {}

  /** Queues a finished boot's console. */
  add(bootId: number): Promise<void> {
    this.queue.add(bootId);
    return this.kick();
  }

  /** Queues every finished boot that still has raw chunks. */
  sweep(): Promise<void> {
    this.sweepAgain = true;
    return this.kick();
  }

  /** Ends sweeping; resolves once the boots queued by name are done (those finished here). */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.running;
  }

  private kick(): Promise<void> {
    this.running ??= this.drain().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private async drain(): Promise<void> {
    for (;;) {
      if (!this.queue.size && !this.found.length && this.sweepAgain && !this.stopped) {
        this.sweepAgain = false;
        this.found = await bootsToCompact(this.db, SWEEP_BATCH).catch(() => []);
        if (this.found.length === SWEEP_BATCH) this.sweepAgain = true;
      }
      // Boots finished here first; what a sweep found only while not stopping.
      let id = this.queue.values().next().value;
      if (id != null) this.queue.delete(id);
      else if (!this.stopped) id = this.found.shift();
      if (id == null) return;
      await this.compact(id).catch((err) => this.onError(err, id));
    }
  }

  /** Compresses the boot's raw chunks, a segment at a time. */
  async compact(bootId: number): Promise<void> {
    for (;;) {
      const rows = await rawChunks(this.db, bootId, ROWS_PER_STEP);
      if (!rows.length) return;
      // Contiguous rows up to the segment size (a gap can only be a compressed segment between).
      let n = 1;
      let size = rows[0].bytes.length;
      while (
        n < rows.length &&
        rows[n].offset === rows[n - 1].offset + rows[n - 1].bytes.length &&
        size + rows[n].bytes.length <= SEGMENT_BYTES
      )
        size += rows[n++].bytes.length;
      const segment = rows.slice(0, n);
      const data = await compressConsole(Buffer.concat(segment.map((r) => r.bytes)));
      const replaced = await replaceRawChunks(
        this.db,
        bootId,
        segment.map((r) => r.offset),
        data,
      );
      if (!replaced) return;
    }
  }
}
