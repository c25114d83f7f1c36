/** WS /api/feed[?boot=ID]: live lines, events, boot and build changes for dashboards. */
import { Type } from '@sinclair/typebox';
import type { FeedMessage } from '../../../common/types/ingest.ts';
import { Id } from '../schemas/common.ts';
import type { App } from '../types.ts';

/**
 * A client this far behind is dropped rather than buffered: 200 sockets that never read must
 * not hold gigabytes. It reconnects and refetches.
 */
export const FEED_MAX_BUFFERED = 256 << 10;

const FeedQuery = Type.Object({
  boot: Type.Optional(Id("only this boot's messages")),
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
      const send = (m: FeedMessage) => {
        if (socket.readyState !== socket.OPEN) return;
        // terminate, not close: a client that does not read never completes a closing handshake.
        if (socket.bufferedAmount > FEED_MAX_BUFFERED) socket.terminate();
        else socket.send(JSON.stringify(m));
      };
      const unsubscribe = app.collector.feed.subscribe(send, bootId != null ? { bootId } : {});
      socket.on('close', unsubscribe);
      send({ type: 'subscribed', bootId });
    },
  );
}
