/**
 * The live feed's WebSocket: typed messages, reconnect with backoff. After every
 * (re)connect the server says `subscribed`: from then on nothing is missed, so that is
 * when listeners refetch history.
 */
import type { FeedMessage } from '$types/ingest.ts';
import { feedUrl } from './api.ts';

export type FeedType = FeedMessage['type'];
export type FeedOf<K extends FeedType> = Extract<FeedMessage, { type: K }>;
type Listener = (m: FeedMessage) => void;

export type FeedStatus = 'connecting' | 'open' | 'closed';

/**
 * One feed socket; `bootId` narrows it to one boot's messages, `types` to some message
 * types (a page that only lists boots needs no console lines).
 */
export class FeedSocket {
  #ws: WebSocket | null = null;
  #handlers = new Map<FeedType, Set<Listener>>();
  #statusListeners = new Set<(s: FeedStatus) => void>();
  #retry = 0;
  #timer: ReturnType<typeof setTimeout> | null = null;
  #closed = false;
  /** Off while this browser may not read: a refused upgrade counts as a failed authentication. */
  #paused = false;

  constructor(
    readonly bootId: number | null = null,
    readonly types?: readonly FeedType[],
    opts: { paused?: boolean } = {},
  ) {
    this.#paused = opts.paused === true;
    if (this.#paused) this.#status('closed');
    else this.#connect();
  }

  /** Connects afresh now (a sign-in changed what the socket may see), or stays away while `paused`. */
  restart(paused = false): void {
    this.#paused = paused;
    this.#retry = 0;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    const ws = this.#ws;
    this.#ws = null;
    ws?.close();
    if (paused) this.#status('closed');
    else this.#connect();
  }

  /** Calls `fn` for each message of `type`; returns the unsubscribe. */
  on<K extends FeedType>(type: K, fn: (m: FeedOf<K>) => void): () => void {
    let set = this.#handlers.get(type);
    if (!set) {
      set = new Set();
      this.#handlers.set(type, set);
    }
    // Dispatch is by `type`, so this listener only ever sees FeedOf<K>.
    const l = fn as Listener;
    set.add(l);
    return () => set.delete(l);
  }

  onStatus(fn: (s: FeedStatus) => void): () => void {
    this.#statusListeners.add(fn);
    return () => this.#statusListeners.delete(fn);
  }

  close(): void {
    this.#closed = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#ws?.close();
    this.#ws = null;
  }

  #status(s: FeedStatus): void {
    for (const fn of this.#statusListeners) fn(s);
  }

  #connect(): void {
    if (this.#closed || this.#paused) return;
    this.#status('connecting');
    const ws = new WebSocket(feedUrl(this.bootId, this.types));
    this.#ws = ws;
    ws.onopen = () => {
      this.#retry = 0;
      this.#status('open');
    };
    ws.onmessage = (e) => {
      let m: FeedMessage;
      try {
        m = JSON.parse(String(e.data)) as FeedMessage;
      } catch {
        return;
      }
      const set = this.#handlers.get(m.type);
      if (set) for (const fn of set) fn(m);
    };
    ws.onclose = () => {
      if (this.#ws !== ws) return;
      this.#ws = null;
      this.#status('closed');
      if (this.#closed) return;
      // 0.5 s, 1 s, 2 s ... capped at 15 s: a restarted collector is picked up soon.
      const delay = Math.min(15_000, 500 * 2 ** this.#retry++);
      this.#timer = setTimeout(() => this.#connect(), delay);
    };
  }
}
