/** In-process publish/subscribe for the live feed: ingest publishes, feed sockets listen. */
import type { FeedMessage } from '../../common/types/ingest.ts';

/** Gets the message and its JSON text, serialised once however many sockets send it. */
export type FeedListener = (message: FeedMessage, json: string) => void;

/** The message types a feed client may ask for (`types=`; `subscribed` always comes first). */
export const FEED_TYPES = [
  'subscribed',
  'boot',
  'lines',
  'events',
  'build',
  'bisection',
  'climb',
  'issue',
] as const;

export interface FeedFilter {
  /** Only this boot's lines, events and state changes; without it, everything but console lines and events. */
  bootId?: number;
  /** Only these message types (default: all). */
  types?: ReadonlySet<string>;
}

/** Console lines and parsed events go only to clients watching that boot. */
const CONSOLE_TYPES: ReadonlySet<string> = new Set(['lines', 'events']);

/** Fans feed messages out to every matching listener here, and to other collectors through a relay. */
export class FeedHub {
  private readonly listeners = new Map<FeedListener, FeedFilter>();
  private relay: ((json: string) => void) | null = null;

  /** Starts delivering matching messages to `fn`; returns the unsubscribe. */
  subscribe(fn: FeedListener, filter: FeedFilter = {}): () => void {
    this.listeners.set(fn, filter);
    return () => this.listeners.delete(fn);
  }

  /** Also hands every message published here to `fn`, which carries it to the other collectors' hubs. */
  relayTo(fn: ((json: string) => void) | null): void {
    this.relay = fn;
  }

  /** Listeners that may want a message: with a relay, other collectors' clients count too. */
  get size(): number {
    return this.listeners.size + (this.relay ? 1 : 0);
  }

  publish(message: FeedMessage): void {
    const json = this.relay ? JSON.stringify(message) : null;
    this.deliver(message, json);
    if (json) this.relay?.(json);
  }

  /** Delivers to this process's listeners only (a message relayed from another collector). */
  deliver(message: FeedMessage, serialized: string | null = null): void {
    const bootId = 'bootId' in message ? message.bootId : null;
    let json = serialized;
    for (const [fn, filter] of this.listeners) {
      if (filter.bootId != null ? filter.bootId !== bootId : CONSOLE_TYPES.has(message.type)) continue;
      if (filter.types && !filter.types.has(message.type)) continue;
      json ??= JSON.stringify(message);
      try {
        fn(message, json);
      } catch {
        // A broken listener must not stop the others or the ingest.
      }
    }
  }
}
