/** WS /api/feed[?boot=ID]: live lines, events, boot and build changes for dashboards. */
import { Type } from '@sinclair/typebox';
import type { FeedMessage } from '../../../common/types/ingest.ts';
import type { App } from '../types.ts';

/** A client this far behind is dropped rather than buffered without bound; it reconnects and refetches. */
const MAX_BUFFERED = 8 << 20;

const FeedQuery = Type.Object({
  boot: Type.Optional(Type.Integer({ minimum: 1, description: "only this boot's messages" })),
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
        if (socket.bufferedAmount > MAX_BUFFERED) socket.close(1013, 'feed client too slow');
        else socket.send(JSON.stringify(m));
      };
      const unsubscribe = app.collector.feed.subscribe(send, bootId != null ? { bootId } : {});
      socket.on('close', unsubscribe);
      send({ type: 'subscribed', bootId });
    },
  );
}
