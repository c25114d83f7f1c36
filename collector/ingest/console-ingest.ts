/**
 * Console bytes → parser → database → live feed. Ordered and resumable: each boot's
 * stored byte count is the resume point; bytes below it are dropped as duplicates, a gap
 * above it is refused, so a runner that reconnects and re-sends loses and doubles nothing.
 */
import { BootwatchError } from '../../common/errors.ts';
import type { BootFinishInput, BootOutcome } from '../../common/types/ingest.ts';
import type { LineUpdate, Outcome, ParseResult } from '../../common/types/parse.ts';
import { bootVerdict } from '../../common/verdict.ts';
import type { CopyIn, Database, Db } from '../db/client.ts';
import { getBootIngestState, markBootFinished } from '../db/queries/boots.ts';
import { advanceConsoles, insertConsoleLines, readConsoleChunks } from '../db/queries/console.ts';
import { insertEvents, insertInitcalls, replaceCrashes, replaceDiagnoses } from '../db/queries/findings.ts';
import { jsonValue } from '../db/rows.ts';
import { issuesAfterBoot, regressionsAfterBoot } from '../regressions/detect.ts';
import { BackgroundWork } from './background-work.ts';
import { ConsoleCompactor } from './console-compactor.ts';
import { ConsoleSession } from './console-session.ts';
import { ConsoleWriter } from './console-writer.ts';
import type { FeedHub } from './feed-hub.ts';

/** What a step queued on a session that went stale answers: it retries on a fresh one. */
const STALE = Symbol('stale');

/** Sessions kept in memory; an evicted one is rebuilt from the stored bytes when needed. */
const MAX_SESSIONS = 128;
/** How often a running boot's summary row gets the parser's latest view. */
const SNAPSHOT_EVERY_MS = 1000;

export class ConsoleIngest {
  private readonly sessions = new Map<number, ConsoleSession>();
  private readonly loading = new Map<number, Promise<ConsoleSession>>();
  private readonly db: Db;
  private readonly writer: ConsoleWriter;
  /** Compresses finished consoles at rest. */
  readonly compactor: ConsoleCompactor;

  constructor(
    private readonly database: Database,
    private readonly feed: FeedHub,
    /** Work started once a boot is stored (analysis), tracked so shutdown waits for it. */
    readonly background = new BackgroundWork(),
  ) {
    this.db = database.db;
    this.writer = new ConsoleWriter(database);
    this.compactor = new ConsoleCompactor(database.db);
  }

  /** Bytes of the boot's console stored so far (404 `boot.not_found` when there is no boot). */
  async storedOffset(bootId: number): Promise<number> {
    return this.step(bootId, async (s) => s.offset);
  }

  /** Stores `bytes` that start at byte `offset` of the console; returns the new stored offset. */
  async append(bootId: number, offset: number, bytes: Uint8Array): Promise<number> {
    return this.step(bootId, async (s) => {
      if (offset > s.offset)
        throw new BootwatchError(
          'conflict',
          `boot ${bootId} has ${s.offset} console bytes; a chunk at ${offset} would leave a gap: resend from ${s.offset}`,
          { offset: s.offset },
        );
      const skip = s.offset - offset;
      if (skip >= bytes.length) return s.offset;
      if (s.finished || !s.parser)
        throw new BootwatchError('conflict', `boot ${bootId} has finished; it takes no more console bytes`, {
          offset: s.offset,
        });
      const fresh = bytes.subarray(skip);
      let updates: LineUpdate[];
      try {
        updates = s.parser.push(fresh);
      } catch (err) {
        this.drop(s);
        throw err;
      }
      await this.store(s, fresh, updates);
      return s.offset;
    });
  }

  /** Ends the boot: flushes the parser, stores the verdict; a second finish returns the first outcome. */
  async finish(bootId: number, input: BootFinishInput): Promise<BootOutcome> {
    return this.step(bootId, async (s) => {
      if (s.outcome) return s.outcome;
      if (input.consoleBytes != null && input.consoleBytes > s.offset)
        throw new BootwatchError(
          'conflict',
          `boot ${bootId} has ${s.offset} of ${input.consoleBytes} console bytes: send the rest before finishing`,
          { offset: s.offset },
        );
      const parser = s.parser!;
      const last = parser.end();
      const result = parser.result();
      const outcome = bootOutcome(result.outcome, input);
      const row = await getBootIngestState(this.db, bootId);
      const finishedAt = input.finishedAt ? new Date(input.finishedAt) : new Date();
      try {
        await this.database.writeTransaction(async (tx, copy) => {
          // Takes the boot's row first: a finish racing another writer of this boot loses here.
          const lines = last.reduce((n, u) => Math.max(n, u.line), s.lines);
          const mark = { bootId, from: s.offset, to: s.offset, lines };
          if (!(await advanceConsoles(tx, [mark])).size)
            throw new BootwatchError(
              'conflict',
              `boot ${bootId}'s console was written concurrently; finish again`,
            );
          await this.storeUpdates(tx, copy, s, last);
          await replaceCrashes(tx, bootId, result.crashes);
          await replaceDiagnoses(tx, bootId, result.diagnosis);
          await markBootFinished(tx, bootId, {
            outcome,
            parseOutcome: result.outcome,
            status: bootVerdict({
              outcome,
              status: input.status,
              endReason: input.endReason,
              checks: input.checks,
            })!.status,
            endReason: input.endReason,
            harnessError: input.harnessError ?? null,
            finishedAt,
            durationMs:
              input.durationMs != null
                ? Math.round(input.durationMs)
                : elapsedMs(row?.startedAt ?? null, finishedAt),
            checks: input.checks ?? [],
            result,
            consoleLines: last.reduce((n, u) => Math.max(n, u.line), s.lines),
          });
        });
      } catch (err) {
        this.drop(s);
        throw err;
      }
      this.advance(s, last);
      s.outcome = outcome;
      this.publishUpdates(s, last);
      this.feed.publish({ type: 'boot', bootId, variant: s.variant, state: 'finished', outcome });
      this.background.run(regressionsAfterBoot(this.db, bootId));
      this.background.run(issuesAfterBoot(this.db, bootId, (m) => this.feed.publish(m)));
      this.background.run(this.compactor.add(bootId));
      this.drop(s);
      return outcome;
    });
  }

  /** The parser's view of a running boot held in memory, else null. */
  snapshot(bootId: number): ParseResult | null {
    const s = this.sessions.get(bootId);
    return s?.parser && !s.finished ? s.parser.result() : null;
  }

  /** The running boot's parser view, rebuilding it from the stored bytes when needed. */
  async liveResult(bootId: number): Promise<ParseResult | null> {
    return this.step(bootId, async (s) => (s.parser && !s.finished ? s.parser.result() : null));
  }

  /**
   * Ends a running boot as a harness error with what is stored, its last partial line left
   * open (not flushed), so a resumed import can reopen it and carry on exactly there.
   */
  async abandon(bootId: number, harnessError: string): Promise<BootOutcome> {
    return this.step(bootId, async (s) => {
      if (s.outcome) return s.outcome;
      const result = s.parser!.result();
      const row = await getBootIngestState(this.db, bootId);
      const finishedAt = new Date();
      try {
        await this.db.transaction(async (tx) => {
          await replaceCrashes(tx, bootId, result.crashes);
          await replaceDiagnoses(tx, bootId, result.diagnosis);
          await markBootFinished(tx, bootId, {
            outcome: 'error',
            parseOutcome: result.outcome,
            status: 'ERROR',
            endReason: 'harness_error',
            harnessError,
            finishedAt,
            durationMs: elapsedMs(row?.startedAt ?? null, finishedAt),
            checks: [],
            result,
            consoleLines: s.lines,
          });
        });
      } finally {
        this.drop(s);
      }
      this.feed.publish({ type: 'boot', bootId, variant: s.variant, state: 'finished', outcome: 'error' });
      this.background.run(this.compactor.add(bootId));
      return 'error';
    });
  }

  /** Forgets one boot's in-memory session (it rebuilds from the database on next use). */
  forget(bootId: number): void {
    const s = this.sessions.get(bootId);
    if (s) this.drop(s);
  }

  /** Forgets every in-memory session (they rebuild from the database on next use). */
  clear(): void {
    for (const s of this.sessions.values()) s.stale = true;
    this.sessions.clear();
  }

  /** Runs `work` on the boot's session in arrival order, on a fresh one if a failure made it stale. */
  private async step<T>(bootId: number, work: (s: ConsoleSession) => Promise<T>): Promise<T> {
    for (;;) {
      const s = await this.session(bootId);
      const out = await s.run(async () => (s.stale ? STALE : { value: await work(s) }));
      if (out !== STALE) return out.value;
    }
  }

  private async store(s: ConsoleSession, bytes: Uint8Array, updates: LineUpdate[]): Promise<void> {
    // Watchers see a line as soon as it is parsed, not after the write: the feed is a live
    // view (a write that fails makes the runner resend, and repeats carry the same numbers).
    this.publishUpdates(s, updates);
    const now = Date.now();
    const snapshot = s.parser && now - s.snapshotAt >= SNAPSHOT_EVERY_MS ? s.parser.result() : null;
    try {
      await this.writer.write({
        bootId: s.bootId,
        from: s.offset,
        bytes,
        lines: updates.filter((u) => u.line > s.lines),
        consoleLines: updates.reduce((n, u) => Math.max(n, u.line), s.lines),
        events: { bootId: s.bootId, firstSeq: s.eventSeq, events: updates.flatMap((u) => u.events) },
        initcalls: updates.flatMap((u) => (u.initcall ? [u.initcall] : [])),
        snapshot,
      });
    } catch (err) {
      // The parser has consumed bytes the database does not hold: rebuild it from storage.
      this.drop(s);
      throw err;
    }
    if (snapshot) s.snapshotAt = now;
    s.offset += bytes.length;
    this.advance(s, updates);
  }

  /** Lines, events and initcalls of `updates` (new lines only: end() may repeat the last). */
  private async storeUpdates(
    tx: Db,
    copy: CopyIn | null,
    s: ConsoleSession,
    updates: LineUpdate[],
  ): Promise<void> {
    const { bootId } = s;
    await insertConsoleLines(tx, [{ bootId, lines: updates.filter((u) => u.line > s.lines) }], copy);
    await insertEvents(
      tx,
      [{ bootId, firstSeq: s.eventSeq, events: updates.flatMap((u) => u.events) }],
      copy,
    );
    const initcalls = updates.flatMap((u) => (u.initcall ? [u.initcall] : []));
    await insertInitcalls(tx, [{ bootId, initcalls }], copy);
  }

  private advance(s: ConsoleSession, updates: LineUpdate[]): void {
    for (const u of updates) {
      s.eventSeq += u.events.length;
      if (u.line > s.lines) s.lines = u.line;
    }
  }

  private publishUpdates(s: ConsoleSession, updates: LineUpdate[]): void {
    if (!updates.length || !this.feed.size) return;
    const lines = updates
      .filter((u) => u.line > 0)
      .map((u) => ({ line: u.line, time: u.time, cls: u.cls, text: u.text }));
    if (lines.length) this.feed.publish({ type: 'lines', bootId: s.bootId, lines });
    const events = updates.flatMap((u) => u.events);
    if (events.length) this.feed.publish({ type: 'events', bootId: s.bootId, events });
  }

  private drop(s: ConsoleSession): void {
    s.stale = true;
    if (this.sessions.get(s.bootId) === s) this.sessions.delete(s.bootId);
  }

  private async session(bootId: number): Promise<ConsoleSession> {
    const s = this.sessions.get(bootId);
    if (s) {
      // Re-insert: Map order doubles as least-recently-used order for eviction.
      this.sessions.delete(bootId);
      this.sessions.set(bootId, s);
      return s;
    }
    let pending = this.loading.get(bootId);
    if (!pending) {
      pending = this.load(bootId).finally(() => this.loading.delete(bootId));
      this.loading.set(bootId, pending);
    }
    return pending;
  }

  /** Builds a session from the database, replaying stored bytes into a fresh parser. */
  private async load(bootId: number): Promise<ConsoleSession> {
    const row = await getBootIngestState(this.db, bootId);
    if (!row) throw new BootwatchError('boot.not_found', `no boot with id ${bootId}`);
    const s = new ConsoleSession(
      bootId,
      row.variant,
      {
        offset: row.consoleBytes,
        lines: row.consoleLines,
        eventSeq: row.eventCount,
        outcome: row.state === 'finished' ? (row.outcome ?? 'error') : null,
      },
      {
        initIsScript: row.initIsScript,
        ...(row.cmdline ? { cmdline: row.cmdline } : {}),
        // The arch the runner booted (or a parse told): the diagnosis of a silent boot needs it.
        ...(row.arch ? { arch: row.arch } : {}),
        // The runner's completion markers (boot meta): the verdict is taken at the first one.
        ...markersOf(row.markers),
      },
    );
    // Updates for stored bytes are already in the database: only the parser state is wanted.
    if (s.parser && row.consoleBytes > 0)
      for await (const chunk of readConsoleChunks(this.db, bootId)) s.parser.push(chunk);
    this.sessions.set(bootId, s);
    while (this.sessions.size > MAX_SESSIONS) this.sessions.delete(this.sessions.keys().next().value!);
    return s;
  }
}

/** The boot's outcome: the parser's, unless the harness failed (never blamed on the kernel). */
/** Wall time from start to finish; null when the start is older than a day (an import of an old log). */
function elapsedMs(start: Date | null, end: Date): number | null {
  if (!start) return null;
  const ms = end.getTime() - start.getTime();
  return ms >= 0 && ms <= 86_400_000 ? ms : null;
}

function bootOutcome(parsed: Outcome, f: BootFinishInput): BootOutcome {
  if (f.harnessError || f.endReason === 'harness_error') return 'error';
  // The runner gave up waiting: init may have started, but the boot never finished.
  if (f.endReason === 'timeout' && parsed === 'booted') return 'stalled';
  return parsed;
}

/** Completion markers from a boot's meta (a jsonb array; anything else means none). */
function markersOf(raw: unknown): { markers?: string[] } {
  let value = raw;
  try {
    value = jsonValue(raw);
  } catch {
    return {};
  }
  return Array.isArray(value) ? { markers: value.filter((m): m is string => typeof m === 'string') } : {};
}
