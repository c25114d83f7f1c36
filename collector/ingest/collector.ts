/**
 * The collector's write side in one object: builds, boots, console streams, log
 * imports, bisections and climbs. The HTTP routes and `bootwatch ingest` (without --collector)
 * both use it.
 */
import { BootwatchError } from '../../common/errors.ts';
import type { BisectionInput, BuildProgressInput, ClimbInput } from '../../common/types/api.ts';
import type { BootInput, BootOutcome, BootTarget, BuildInput } from '../../common/types/ingest.ts';
import type { Database } from '../db/client.ts';
import { upsertBisection } from '../db/queries/bisections.ts';
import { createBoot, getImportState, reopenBoot, runningImports } from '../db/queries/boots.ts';
import { buildExists, storeBuild } from '../db/queries/builds.ts';
import { upsertVariant } from '../db/queries/catalog.ts';
import { upsertClimb } from '../db/queries/climbs.ts';
import type { Submitter } from '../db/schema/index.ts';
import { backfillIssues, regressionsAfterBuild } from '../regressions/detect.ts';
import { BackgroundWork } from './background-work.ts';
import { ConsoleIngest } from './console-ingest.ts';
import { FeedHub } from './feed-hub.ts';

/**
 * Console bytes handed to the parser and the database per step of a log import. Each step
 * is one transaction; the embedded database serves nothing else meanwhile, so steps stay
 * small and the import yields between them.
 */
const IMPORT_STEP = 1 << 20;

/** The harness error of an import whose process ended before it was stored; a retry reopens it. */
export const IMPORT_INTERRUPTED =
  'the import was interrupted before the whole log was stored (its process ended); import it again to complete it';

/** Lets the event loop take other requests before the next step of a long write. */
const yieldToOthers = () => new Promise<void>((resolve) => setImmediate(resolve));

export interface LogImport {
  variant?: string | null;
  target?: BootTarget;
  buildId?: number | null;
  initIsScript?: boolean;
  startedAt?: string;
  meta?: Record<string, unknown>;
  /** The same key again answers the same boot: stored once, completed if it was cut off. */
  idempotencyKey?: string | null;
  /** Who submits it (the token, with auth). */
  by?: Submitter;
}

export interface ImportedLog {
  id: number;
  outcome: BootOutcome;
  /** False when the idempotency key named an earlier import of the log. */
  created: boolean;
}

export class Collector {
  readonly feed = new FeedHub();
  /** Follow-up work (analysis after a boot or build); close() waits for it. */
  readonly background = new BackgroundWork();
  readonly console: ConsoleIngest;

  /** Settles once imports a killed process left running are finished (see finishInterruptedImports). */
  readonly recovered: Promise<number[]>;

  constructor(readonly database: Database) {
    this.console = new ConsoleIngest(database, this.feed, this.background);
    this.recovered = this.finishInterruptedImports().catch(() => []);
    this.background.run(this.recovered);
    // Consoles finished before compression existed, or left raw by a stopped collector.
    this.background.run(this.recovered.then(() => this.console.compactor.sweep()));
    // Boots stored before issues existed get theirs, behind whatever start-up finished.
    this.background.run(
      this.recovered.then(() => backfillIssues(this.db, (m) => this.feed.publish(m))).catch(() => 0),
    );
  }

  /**
   * Finishes log imports left running by a process that died mid-import, as a harness error:
   * nothing else would ever finish them. A boot another live process is importing (its claim
   * is held) and boots that runners stream (qemu, ec2: a runner may resume them) are left alone.
   */
  async finishInterruptedImports(): Promise<number[]> {
    const done: number[] = [];
    for (const id of await runningImports(this.db)) {
      const release = await this.database.claimImport(id);
      if (!release) continue;
      try {
        await this.console.abandon(id, IMPORT_INTERRUPTED);
        done.push(id);
      } finally {
        await release();
      }
    }
    return done;
  }

  /** Waits for background work; the caller closes the database afterwards. */
  async settle(): Promise<void> {
    await this.console.compactor.stop();
    await this.background.idle();
  }

  get db() {
    return this.database.db;
  }

  /** Stores a build; returns its id (the existing one for a repeated idempotency key). */
  async recordBuild(input: BuildInput, by?: Submitter): Promise<number> {
    return (await this.recordBuildOnce(input, by)).id;
  }

  /** Stores a build once per idempotency key; `created` is false for a repeat. */
  async recordBuildOnce(input: BuildInput, by?: Submitter): Promise<{ id: number; created: boolean }> {
    const { id, created } = await storeBuild(this.db, input, by);
    if (!created) return { id, created };
    this.feed.publish({ type: 'build', buildId: id, variant: input.variant, phase: 'stored' });
    this.background.run(regressionsAfterBuild(this.db, id));
    return { id, created };
  }

  /** Pushes live build progress to the feed (not stored). */
  buildProgress(p: BuildProgressInput): void {
    this.feed.publish({
      type: 'build',
      buildId: p.buildId ?? null,
      variant: p.variant,
      phase: p.phase,
      ...(p.percent != null ? { percent: p.percent } : {}),
      ...(p.message != null ? { message: p.message } : {}),
    });
  }

  /** Stores a bisection as a runner reports it after a step, and tells open dashboards. */
  async recordBisection(key: string, input: BisectionInput, by?: Submitter): Promise<number> {
    const id = await upsertBisection(this.db, key, input, by);
    this.feed.publish({
      type: 'bisection',
      id,
      key,
      variant: input.variant,
      status: input.status,
      builds: input.builds,
      maxBuilds: input.maxBuilds,
      steps: (input.report?.steps ?? input.state.steps ?? []).length,
    });
    return id;
  }

  /** Stores a climb as a runner reports it after an attempt, and tells open dashboards. */
  async recordClimb(key: string, input: ClimbInput, by?: Submitter): Promise<number> {
    const id = await upsertClimb(this.db, key, input, by);
    const s = input.state;
    this.feed.publish({
      type: 'climb',
      id,
      key,
      variant: input.variant,
      status: input.status,
      phase: s.phase,
      builds: s.builds,
      maxBuilds: s.maxBuilds,
      steps: s.attempts.length,
    });
    return id;
  }

  /** Creates a boot (or finds it by idempotency key); its console then streams in. */
  async startBoot(input: BootInput, by?: Submitter): Promise<{ id: number; created: boolean }> {
    let variantId: number | null = null;
    let variant = input.variant ?? null;
    if (input.buildId != null) {
      const build = await buildExists(this.db, input.buildId);
      if (!build) throw new BootwatchError('build.not_found', `no build with id ${input.buildId}`);
      variantId = build.variantId;
      variant ??= build.variant;
    }
    if (input.variant) variantId = await upsertVariant(this.db, { name: input.variant });
    const boot = await createBoot(this.db, input, variantId, by);
    if (boot.created) this.feed.publish({ type: 'boot', bootId: boot.id, variant, state: 'started' });
    return boot;
  }

  /** Stores a whole log as a finished boot (target `import` unless told). */
  async importLog(bytes: Uint8Array, opts: LogImport = {}): Promise<ImportedLog> {
    const target = opts.target ?? 'import';
    const { id, created } = await this.startBoot(
      {
        target,
        variant: opts.variant ?? null,
        buildId: opts.buildId ?? null,
        initIsScript: opts.initIsScript,
        startedAt: opts.startedAt,
        meta: opts.meta,
        idempotencyKey: opts.idempotencyKey ?? null,
      },
      opts.by,
    );
    const release = await this.database.claimImport(id);
    if (!release)
      throw new BootwatchError(
        'conflict',
        `boot ${id} is being imported under this Idempotency-Key right now; retry once that import has finished`,
      );
    try {
      if (!created) {
        const earlier = await this.resumableImport(id, target, bytes.length);
        if (earlier) return { id, outcome: earlier, created };
      }
      for (let at = 0; at < bytes.length; at += IMPORT_STEP) {
        await this.console.append(id, at, bytes.subarray(at, at + IMPORT_STEP));
        await yieldToOthers();
      }
      const outcome = await this.console.finish(id, { endReason: 'import', consoleBytes: bytes.length });
      return { id, outcome, created };
    } finally {
      await release();
    }
  }

  /**
   * For a repeated import: the outcome when it is complete, else null once it is ready to go
   * on (a cut-off import is reopened); `conflict` when the key names something else.
   */
  private async resumableImport(id: number, target: BootTarget, size: number): Promise<BootOutcome | null> {
    const row = await getImportState(this.db, id);
    if (!row) throw new BootwatchError('boot.not_found', `no boot with id ${id}`);
    if (row.target !== target || row.consoleBytes > size)
      throw new BootwatchError(
        'conflict',
        `the Idempotency-Key names boot ${id}, which is not an import of this log: use another key`,
      );
    if (row.state === 'running') return null;
    if (row.harnessError !== IMPORT_INTERRUPTED) return row.outcome ?? 'error';
    await reopenBoot(this.db, id);
    this.console.forget(id);
    return null;
  }
}
