/**
 * Where a climb keeps its state between attempts: a JSON file on this host and the
 * collector's climbs table (PUT /api/climbs/:key). The file lets a re-run here resume with
 * the collector away; the collector lets any host (`--resume ID`, or an agent retrying a
 * dead agent's job) resume it, and shows the ladder on the dashboard as it is found.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { ClimbState } from '../../collector/analysis/climb.ts';
import type { ClimbStatus } from '../../common/types/api.ts';
import type { CollectorClient } from '../collector-client.ts';

export interface ClimbStoreOptions {
  /** Hash of the variant's configs and the goals: a state only resumes the same climb. */
  key: string;
  file: string;
  collector: CollectorClient | null;
  labels: { matrix: string; variant: string; agent: string | null };
  log: (line: string) => void;
}

/** The saved state of one climb, in a file and in the collector. */
export class ClimbStore {
  private collectorAway = false;

  constructor(private readonly o: ClimbStoreOptions) {}

  /** The saved state with the most builds (the file wins a tie); null when there is none. */
  async load(): Promise<ClimbState | null> {
    const file = this.readFile();
    let stored: ClimbState | null = null;
    try {
      stored = (await this.o.collector?.getClimb(this.o.key))?.state ?? null;
    } catch (err) {
      this.o.log(`cannot read the collector's climb state (${(err as Error).message})`);
    }
    // Both are the same deterministic search: the one with more builds is further along.
    const best = stored && (!file || stored.builds > file.builds) ? stored : file;
    if (best)
      this.o.log(
        `resuming from ${best === file ? this.o.file : `the collector's climb ${this.o.key}`}: ${best.builds} build(s) done`,
      );
    return best;
  }

  /** Saves to the file, and to the collector unless it is away (the climb goes on either way). */
  async save(state: ClimbState, status: ClimbStatus, error: string | null = null): Promise<void> {
    mkdirSync(dirname(this.o.file), { recursive: true });
    writeFileSync(`${this.o.file}.tmp`, JSON.stringify({ ...state, key: this.o.key }, null, 1));
    renameSync(`${this.o.file}.tmp`, this.o.file);
    if (!this.o.collector) return;
    try {
      await this.o.collector.putClimb(this.o.key, { ...this.o.labels, status, state, error });
      if (this.collectorAway) this.o.log('collector back: climb state stored again');
      this.collectorAway = false;
    } catch (err) {
      if (!this.collectorAway)
        this.o.log(
          `cannot store the climb in the collector (${(err as Error).message}); going on with the file`,
        );
      this.collectorAway = true;
    }
  }

  private readFile(): ClimbState | null {
    if (!existsSync(this.o.file)) return null;
    const { key, ...saved } = JSON.parse(readFileSync(this.o.file, 'utf8')) as ClimbState & { key?: string };
    // Files from before the collector kept climbs carry no key: they sit in the climb's own directory.
    if (key === undefined || key === this.o.key) return key === undefined ? upgrade(saved) : saved;
    this.o.log(`${this.o.file} belongs to another climb: not resuming from it`);
    return null;
  }
}

type OldAttempt = Omit<ClimbState['attempts'][number], 'symptom'> & { symptom: unknown };

/**
 * A state file written before attempts recorded their symptom's line, what came with them and
 * their cost: filled in (line 0, the stage the last kept attempt reached) so it stores and resumes.
 */
function upgrade(s: ClimbState & { rungs?: unknown }): ClimbState {
  const { rungs: _, ...state } = s;
  let stage: ClimbState['attempts'][number]['lastStage'] = null;
  let builds = 0;
  state.attempts = (state.attempts as OldAttempt[]).map((a) => {
    if (a.outcome != null) builds++;
    const symptom =
      typeof a.symptom === 'string'
        ? { text: a.symptom, line: 0, stage: stage ?? 'no_output', bootId: null }
        : a.symptom;
    if (a.verdict === 'kept' || a.verdict === 'start') stage = a.lastStage ?? stage;
    return {
      ...a,
      with: a.with ?? [],
      sizeAdded: a.sizeAdded ?? null,
      builds: a.builds ?? builds,
      symptom,
    } as ClimbState['attempts'][number];
  });
  return state;
}
