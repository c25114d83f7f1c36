/**
 * One boot as it happens: its history fetched once the feed is subscribed, then console
 * lines, parsed events and milestones as they arrive. Views only read its state.
 */
import type { BootDetail } from '$types/api.ts';
import type { BootOutcome } from '$types/ingest.ts';
import { type BootEvent, MILESTONES, type MilestoneName, type Milestones } from '$types/parse.ts';
import { api } from './api.ts';
import { stripAnsi } from './format.ts';
import type { FeedSocket } from './live.ts';

export interface LiveLine {
  line: number;
  time: number | null;
  cls: string;
  text: string;
}

/** Console pages fetched at once when catching up with a running boot. */
const PAGE = 5000;

function eventKey(e: BootEvent): string {
  return `${e.kind}:${e.line}:${'message' in e ? e.message : e.kind === 'milestone' ? e.name : ''}`;
}

export class LiveBoot {
  detail = $state.raw<BootDetail | null>(null);
  lines = $state.raw<LiveLine[]>([]);
  events = $state.raw<BootEvent[]>([]);
  running = $state(true);
  outcome = $state<BootOutcome | null>(null);
  error = $state<string | null>(null);
  /** Kernel time of each milestone reached so far. */
  milestones = $derived.by(() => {
    const m: Milestones = { ...(this.detail?.milestones ?? {}) };
    for (const e of this.events) if (e.kind === 'milestone' && !(e.name in m)) m[e.name] = e.time;
    return m;
  });
  /** The furthest milestone reached: lit up on the page. */
  lastMilestone = $derived.by((): MilestoneName | null => {
    let last: MilestoneName | null = null;
    for (const name of MILESTONES) if (name in this.milestones) last = name;
    return last;
  });

  #byLine = new Map<number, LiveLine>();
  #eventKeys = new Set<string>();
  #off: (() => void)[] = [];
  #ctrl = new AbortController();

  constructor(
    readonly bootId: number,
    feed: FeedSocket,
  ) {
    this.#off.push(
      feed.on('subscribed', () => void this.#catchUp()),
      feed.on('lines', (m) => {
        if (m.bootId === this.bootId) this.#addLines(m.lines);
      }),
      feed.on('events', (m) => {
        if (m.bootId === this.bootId) this.#addEvents(m.events);
      }),
      feed.on('boot', (m) => {
        if (m.bootId !== this.bootId || m.state !== 'finished') return;
        this.running = false;
        this.outcome = m.outcome ?? null;
        void this.#refreshDetail();
      }),
    );
    void this.#catchUp();
  }

  dispose(): void {
    for (const off of this.#off) off();
    this.#ctrl.abort();
  }

  /** History so far: the boot's parse snapshot and every stored console line. */
  async #catchUp(): Promise<void> {
    const signal = this.#ctrl.signal;
    try {
      await this.#refreshDetail();
      let from: number | null = 1;
      while (from != null && !signal.aborted) {
        const page = await api.console(this.bootId, from, PAGE, signal);
        this.#addLines(page.lines);
        from = page.next;
      }
    } catch (err) {
      if (!signal.aborted) this.error = err instanceof Error ? err.message : String(err);
    }
  }

  async #refreshDetail(): Promise<void> {
    const detail = await api.boot(this.bootId, this.#ctrl.signal);
    this.detail = detail;
    this.running = detail.state === 'running';
    this.outcome = detail.outcome;
    this.#addEvents(detail.events);
  }

  #addLines(batch: readonly LiveLine[]): void {
    if (!batch.length) return;
    let appendOnly = true;
    const last = this.lines.at(-1)?.line ?? 0;
    const added: LiveLine[] = [];
    for (const l of batch) {
      if (this.#byLine.has(l.line)) continue;
      const clean = { line: l.line, time: l.time, cls: l.cls, text: stripAnsi(l.text) };
      this.#byLine.set(l.line, clean);
      added.push(clean);
      if (l.line <= last) appendOnly = false;
    }
    if (!added.length) return;
    this.lines = appendOnly
      ? this.lines.concat(added)
      : [...this.#byLine.values()].sort((a, b) => a.line - b.line);
  }

  #addEvents(batch: readonly BootEvent[]): void {
    const added = batch.filter((e) => {
      const k = eventKey(e);
      if (this.#eventKeys.has(k)) return false;
      this.#eventKeys.add(k);
      return true;
    });
    if (added.length) this.events = [...this.events, ...added].sort((a, b) => a.line - b.line);
  }
}
