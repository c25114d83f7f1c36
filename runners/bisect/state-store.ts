/**
 * Where a bisection keeps its state between steps: a JSON file on this host and the
 * collector's bisections table. The file makes a re-run here resume even with the collector
 * away; the collector lets any host (an agent retrying a dead agent's job) resume it and
 * shows the progress on the dashboard. A collector that is away never stops the bisection.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { BisectReport, BisectState } from '../../collector/analysis/bisect.ts';
import type { BisectionStatus } from '../../common/types/api.ts';
import type { CollectorClient } from '../collector-client.ts';

interface BisectionLabels {
  variant: string;
  good: string;
  bad: string;
  /** Who runs it: an agent's name or the host. */
  agent: string | null;
}

export interface StateStoreOptions {
  /** Hash of both sides' configs and the verdict rule: a state only resumes the same bisection. */
  key: string;
  file: string | null;
  collector: CollectorClient | null;
  labels: BisectionLabels;
  log: (line: string) => void;
}

/** The saved state of one bisection, in a file and in the collector. */
export class StateStore {
  private collectorAway = false;
  /** Builds in the state last put to the collector: steps replayed on resume are not put again. */
  private putBuilds = -1;

  constructor(private readonly o: StateStoreOptions) {}

  get key(): string {
    return this.o.key;
  }

  /** The saved state with the most builds (the file wins a tie); null when there is none. */
  async load(): Promise<BisectState | null> {
    const file = this.readFile();
    const stored = await this.readCollector();
    // Both are the same deterministic search: the one with more verdicts is further along.
    const best = stored && (!file || stored.builds > file.builds) ? stored : file;
    if (best)
      this.o.log(
        `resuming from ${best === file ? this.o.file : `the collector's state ${this.o.key}`} (${best.builds} build(s) done)`,
      );
    return best;
  }

  /** Saves to the file always, and to the collector when the state changed there or the status did. */
  async save(
    state: BisectState,
    status: BisectionStatus,
    extra: { report?: BisectReport | null; error?: string | null; force?: boolean } = {},
  ): Promise<void> {
    const report = extra.report ?? null;
    const saved: BisectState = { ...state, report };
    this.writeFile(saved);
    if (!this.o.collector || (!extra.force && status === 'running' && state.builds === this.putBuilds))
      return;
    try {
      await this.o.collector.putBisection(this.o.key, {
        ...this.o.labels,
        status,
        builds: state.builds,
        maxBuilds: state.input.maxBuilds,
        state: saved,
        report,
        error: extra.error ?? null,
      });
      this.putBuilds = state.builds;
      if (this.collectorAway) this.o.log('collector back: bisection state stored again');
      this.collectorAway = false;
    } catch (err) {
      if (!this.collectorAway)
        this.o.log(
          `cannot store the bisection in the collector (${(err as Error).message}); going on with the state file`,
        );
      this.collectorAway = true;
    }
  }

  private readFile(): BisectState | null {
    const f = this.o.file;
    if (!f || !existsSync(f)) return null;
    const saved = JSON.parse(readFileSync(f, 'utf8')) as BisectState & { key?: string };
    if (saved.key === this.o.key) return saved;
    this.o.log(`${f} belongs to other configs: not resuming from it`);
    return null;
  }

  private async readCollector(): Promise<BisectState | null> {
    if (!this.o.collector) return null;
    try {
      const b = await this.o.collector.getBisection(this.o.key);
      return (b?.state as BisectState | undefined) ?? null;
    } catch (err) {
      this.o.log(`cannot read the collector's bisection state (${(err as Error).message})`);
      return null;
    }
  }

  private writeFile(state: BisectState): void {
    const f = this.o.file;
    if (!f) return;
    mkdirSync(dirname(f), { recursive: true });
    writeFileSync(`${f}.tmp`, `${JSON.stringify({ ...state, key: this.o.key })}\n`);
    renameSync(`${f}.tmp`, f);
  }
}
