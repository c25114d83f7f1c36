/**
 * The collector's write side in one object: builds, boots, console streams, log
 * imports and bisections. The HTTP routes and `bootwatch ingest` (without --collector)
 * both use it.
 */
import { BootwatchError } from '../../common/errors.ts';
import type { BisectionInput, BuildProgressInput } from '../../common/types/api.ts';
import type { BootInput, BootOutcome, BootTarget, BuildInput } from '../../common/types/ingest.ts';
import type { Database } from '../db/client.ts';
import { upsertBisection } from '../db/queries/bisections.ts';
import { createBoot } from '../db/queries/boots.ts';
import { buildExists, storeBuild } from '../db/queries/builds.ts';
import { upsertVariant } from '../db/queries/catalog.ts';
import { regressionsAfterBuild } from '../regressions/detect.ts';
import { BackgroundWork } from './background-work.ts';
import { ConsoleIngest } from './console-ingest.ts';
import { FeedHub } from './feed-hub.ts';

/** Console bytes handed to the parser and the database per step of a log import. */
const IMPORT_STEP = 8 << 20;

export interface LogImport {
  variant?: string | null;
  target?: BootTarget;
  buildId?: number | null;
  initIsScript?: boolean;
  startedAt?: string;
  meta?: Record<string, unknown>;
}

export class Collector {
  readonly feed = new FeedHub();
  /** Follow-up work (analysis after a boot or build); close() waits for it. */
  readonly background = new BackgroundWork();
  readonly console: ConsoleIngest;

  constructor(readonly database: Database) {
    this.console = new ConsoleIngest(database.db, this.feed, this.background);
  }

  /** Waits for background work; the caller closes the database afterwards. */
  async settle(): Promise<void> {
    await this.background.idle();
  }

  get db() {
    return this.database.db;
  }

  /** Stores a build; returns its id (the existing one for a repeated idempotency key). */
  async recordBuild(input: BuildInput): Promise<number> {
    return (await this.recordBuildOnce(input)).id;
  }

  /** Stores a build once per idempotency key; `created` is false for a repeat. */
  async recordBuildOnce(input: BuildInput): Promise<{ id: number; created: boolean }> {
    const { id, created } = await storeBuild(this.db, input);
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
  async recordBisection(key: string, input: BisectionInput): Promise<number> {
    const id = await upsertBisection(this.db, key, input);
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

  /** Creates a boot (or finds it by idempotency key); its console then streams in. */
  async startBoot(input: BootInput): Promise<{ id: number; created: boolean }> {
    let variantId: number | null = null;
    let variant = input.variant ?? null;
    if (input.buildId != null) {
      const build = await buildExists(this.db, input.buildId);
      if (!build) throw new BootwatchError('build.not_found', `no build with id ${input.buildId}`);
      variantId = build.variantId;
      variant ??= build.variant;
    }
    if (input.variant) variantId = await upsertVariant(this.db, { name: input.variant });
    const boot = await createBoot(this.db, input, variantId);
    if (boot.created) this.feed.publish({ type: 'boot', bootId: boot.id, variant, state: 'started' });
    return boot;
  }

  /** Stores a whole log as a finished boot (target `import` unless told). */
  async importLog(bytes: Uint8Array, opts: LogImport = {}): Promise<{ id: number; outcome: BootOutcome }> {
    const { id } = await this.startBoot({
      target: opts.target ?? 'import',
      variant: opts.variant ?? null,
      buildId: opts.buildId ?? null,
      initIsScript: opts.initIsScript,
      startedAt: opts.startedAt,
      meta: opts.meta,
    });
    for (let at = 0; at < bytes.length; at += IMPORT_STEP)
      await this.console.append(id, at, bytes.subarray(at, at + IMPORT_STEP));
    const outcome = await this.console.finish(id, { endReason: 'import', consoleBytes: bytes.length });
    return { id, outcome };
  }
}
