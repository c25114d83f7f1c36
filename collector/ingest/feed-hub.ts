/** In-process publish/subscribe for the live feed: ingest publishes, feed sockets listen. */
import type { FeedMessage } from '../../common/types/ingest.ts';

/** Gets the message and its JSON text, serialised once however many sockets send it. */
export type FeedListener = (message: FeedMessage, json: string) => void;

/** The message types a feed client may ask for (`types=`; `subscribed` always comes first). */
export const FEED_TYPES = ['subscribed', 'boot', 'lines', 'events', 'build', 'bisection'] as const;

export interface FeedFilter {
  /** Only this boot's lines, events and state changes. */
  bootId?: number;
  /** Only these message types (default: all). */
  types?: ReadonlySet<string>;
}

/** Fans feed messages out to every matching listener. */
export class FeedHub {
  private readonly listeners = new Map<FeedListener, FeedFilter>();

  /** Starts delivering matching messages to `fn`; returns the unsubscribe. */
  subscribe(fn: FeedListener, filter: FeedFilter = {}): () => void {
    this.listeners.set(fn, filter);
    return () => this.listeners.delete(fn);
  }

  get size(): number {
    return this.listeners.size;
  }

  publish(message: FeedMessage): void {
    const bootId = 'bootId' in message ? message.bootId : null;
    let json: string | null = null;
    for (const [fn, filter] of this.listeners) {
      if (filter.bootId != null && filter.bootId !== bootId) continue;
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
