/** In-process publish/subscribe for the live feed: ingest publishes, feed sockets listen. */
import type { FeedMessage } from '../../common/types/ingest.ts';

export type FeedListener = (message: FeedMessage) => void;

export interface FeedFilter {
  /** Only this boot's lines, events and state changes. */
  bootId?: number;
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
    for (const [fn, filter] of this.listeners) {
      if (filter.bootId != null && filter.bootId !== bootId) continue;
      try {
        fn(message);
      } catch {
        // A broken listener must not stop the others or the ingest.
      }
    }
  }
}
