/** WS /api/feed[?boot=ID]: live lines, events, boot and build changes for dashboards. */
import { Type } from '@sinclair/typebox';
import type { FeedMessage } from '../../../common/types/ingest.ts';
import { FEED_TYPES } from '../../ingest/feed-hub.ts';
import { Id } from '../schemas/common.ts';
import type { App } from '../types.ts';

/**
 * A client this far behind is dropped rather than buffered: 200 sockets that never read must
 * not hold gigabytes. It reconnects and refetches.
 */
export const FEED_MAX_BUFFERED = 256 << 10;

const FeedQuery = Type.Object({
  boot: Type.Optional(Id("only this boot's messages")),
  types: Type.Optional(
    Type.String({
      pattern: `^(${FEED_TYPES.join('|')})(,(${FEED_TYPES.join('|')}))*$`,
      description: `only these message types, comma-separated (${FEED_TYPES.join(', ')}); default all`,
    }),
  ),
});

export async function feedSocket(app: App): Promise<void> {
  app.get(
    '/api/feed',
    {
      websocket: true,
      schema: { tags: ['views'], summary: 'live feed (WebSocket)', querystring: FeedQuery },
    },
    (socket, req) => {
      const bootId = req.query.boot ?? null;
      const types = req.query.types ? new Set(req.query.types.split(',')) : undefined;
      const send = (_m: FeedMessage, json: string) => {
        if (socket.readyState !== socket.OPEN) return;
        // terminate, not close: a client that does not read never completes a closing handshake.
        if (socket.bufferedAmount > FEED_MAX_BUFFERED) socket.terminate();
        else socket.send(json);
      };
      const unsubscribe = app.collector.feed.subscribe(send, {
        ...(bootId != null ? { bootId } : {}),
        types,
      });
      socket.on('close', unsubscribe);
      const hello: FeedMessage = { type: 'subscribed', bootId };
      send(hello, JSON.stringify(hello));
    },
  );
}
