/**
 * What is happening across the lab right now: boots running, builds in progress, boots
 * that just finished, bisections stepping. Fed by the unfiltered live feed; seeded from the API on (re)connect.
 */
import type { BootOutcome } from '$types/ingest.ts';
import { api } from './api.ts';
import type { FeedOf, FeedSocket, FeedStatus } from './live.ts';

export interface RunningBoot {
  id: number;
  variant: string | null;
  startedAt: string;
}

export interface BuildProgress {
  variant: string;
  buildId: number | null;
  phase: string;
  percent: number | null;
  message: string | null;
  at: number;
}

export interface FinishedBoot {
  id: number;
  variant: string | null;
  outcome: BootOutcome | null;
  at: number;
}

/** Finished boots remembered for the activity list. */
const RECENT = 12;

export class LiveActivity {
  status = $state<FeedStatus>('connecting');
  running = $state.raw<RunningBoot[]>([]);
  builds = $state.raw<BuildProgress[]>([]);
  finished = $state.raw<FinishedBoot[]>([]);
  /** Bumped on every boot start or finish: views that list boots reload on it. */
  changes = $state(0);
  /** The last bisection stored (a step or its end): the Bisect views reload on it. */
  bisection = $state.raw<FeedOf<'bisection'> | null>(null);
  /** The last climb stored (an attempt or its end): the Climb views reload on it. */
  climb = $state.raw<FeedOf<'climb'> | null>(null);
  /**
   * The last issue announced (one a boot created, or whose status changed): the Issues views
   * reload on it. Issues are grouped after a boot ends, so its `boot` message comes too early.
   */
  issue = $state.raw<FeedOf<'issue'> | null>(null);

  #off: (() => void)[] = [];
  #ctrl = new AbortController();

  constructor(feed: FeedSocket) {
    this.#off.push(
      feed.onStatus((s) => {
        this.status = s;
      }),
      feed.on('subscribed', () => void this.#seed()),
      feed.on('boot', (m) => {
        this.changes++;
        if (m.state === 'started') {
          if (!this.running.some((b) => b.id === m.bootId))
            this.running = [
              { id: m.bootId, variant: m.variant, startedAt: new Date().toISOString() },
              ...this.running,
            ];
          // A boot starting means its build is done.
          this.builds = this.builds.filter((b) => b.variant !== m.variant);
        } else {
          this.running = this.running.filter((b) => b.id !== m.bootId);
          const done = { id: m.bootId, variant: m.variant, outcome: m.outcome ?? null, at: Date.now() };
          this.finished = [done, ...this.finished.filter((b) => b.id !== m.bootId)].slice(0, RECENT);
        }
      }),
      feed.on('bisection', (m) => {
        this.bisection = m;
      }),
      feed.on('climb', (m) => {
        this.climb = m;
      }),
      feed.on('issue', (m) => {
        this.issue = m;
      }),
      feed.on('build', (m) => {
        const rest = this.builds.filter((b) => b.variant !== m.variant);
        // `stored` is the build's end: it leaves the in-progress list.
        if (m.phase === 'stored' || m.phase === 'done' || m.phase === 'failed') {
          this.builds = rest;
          this.changes++;
          return;
        }
        const p: BuildProgress = {
          variant: m.variant,
          buildId: m.buildId,
          phase: m.phase,
          percent: m.percent ?? null,
          message: m.message ?? null,
          at: Date.now(),
        };
        this.builds = [p, ...rest].sort((a, b) => a.variant.localeCompare(b.variant));
      }),
    );
  }

  dispose(): void {
    for (const off of this.#off) off();
    this.#ctrl.abort();
  }

  async #seed(): Promise<void> {
    try {
      const [running, done] = await Promise.all([
        api.boots({ state: 'running', limit: 100 }, this.#ctrl.signal),
        api.boots({ state: 'finished', limit: RECENT }, this.#ctrl.signal),
      ]);
      this.running = running.map((b) => ({ id: b.id, variant: b.variant, startedAt: b.startedAt }));
      const known = new Set(this.finished.map((b) => b.id));
      const older = done
        .filter((b) => !known.has(b.id))
        .map((b) => ({
          id: b.id,
          variant: b.variant,
          outcome: b.outcome,
          at: Date.parse(b.finishedAt ?? b.startedAt),
        }));
      this.finished = [...this.finished, ...older].slice(0, RECENT);
    } catch {
      // The feed still works; the list fills as boots start.
    }
  }
}
