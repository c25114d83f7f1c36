/**
 * WS /api/boots/:id/console/ws: a runner streams a boot's console. The server acks the
 * stored offset on connect and after every chunk; chunks are handled strictly in order.
 */
import { BootwatchError } from '../../../common/errors.ts';
import type { BootFinishInput, IngestServerMessage } from '../../../common/types/ingest.ts';
import { toHttpError } from '../http-errors.ts';
import { IdParams } from '../schemas/common.ts';
import { BootFinishSchema } from '../schemas/ingest.ts';
import type { App } from '../types.ts';
import { compileBody } from '../validation.ts';

// Plain JSON Schema validation, as for REST bodies: TypeBox's Value.Check needs its custom
// kinds registered in the same module instance, which test runners may duplicate.
const checkFinish = compileBody(BootFinishSchema);

/** Largest WebSocket message: a base64 chunk well above what runners send (64 KiB). */
export const INGEST_MAX_MESSAGE = 16 << 20;

export async function consoleIngestSocket(app: App): Promise<void> {
  app.get(
    '/api/boots/:id/console/ws',
    {
      websocket: true,
      schema: { tags: ['console'], summary: 'console stream ingest (WebSocket)', params: IdParams },
    },
    (socket, req) => {
      const bootId = req.params.id;
      const ingest = app.collector.console;
      const send = (m: IngestServerMessage) => {
        if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(m));
      };
      const fail = (err: unknown) => {
        const h = toHttpError(err);
        if (h.log) req.log.error({ err, bootId }, 'console ingest failed');
        send({ type: 'error', code: h.body.error.code, message: h.body.error.message });
        // Without a boot or a database there is nothing to resume: the runner reconnects later.
        if (h.status === 404 || h.status >= 500)
          socket.close(h.status === 404 ? 4404 : 1011, h.body.error.code);
      };
      // Messages queue behind the initial ack, one at a time, in arrival order.
      let queue = ingest.storedOffset(bootId).then((offset) => send({ type: 'ack', offset }), fail);
      socket.on('message', (data) => {
        queue = queue.then(() => handle(String(data)).catch(fail));
      });

      async function handle(text: string): Promise<void> {
        const m = parseMessage(text);
        if (m.type === 'chunk') {
          const offset = await ingest.append(bootId, m.offset, Buffer.from(m.data, 'base64'));
          send({ type: 'ack', offset });
        } else {
          send({ type: 'finished', outcome: await ingest.finish(bootId, m.finish) });
        }
      }
    },
  );
}

type Parsed = { type: 'chunk'; offset: number; data: string } | { type: 'finish'; finish: BootFinishInput };

/** A client message, checked; `input.invalid` says what is wrong with it. */
function parseMessage(text: string): Parsed {
  let m: { type?: unknown; offset?: unknown; data?: unknown; finish?: unknown };
  try {
    m = JSON.parse(text);
  } catch {
    throw new BootwatchError(
      'input.invalid',
      'messages are JSON: {type:"chunk",offset,data} or {type:"finish",finish}',
    );
  }
  if (m?.type === 'chunk') {
    if (!Number.isSafeInteger(m.offset) || (m.offset as number) < 0)
      throw new BootwatchError('input.invalid', 'chunk.offset must be a non-negative integer');
    if (typeof m.data !== 'string')
      throw new BootwatchError('input.invalid', 'chunk.data must be base64 text');
    return { type: 'chunk', offset: m.offset as number, data: m.data };
  }
  if (m?.type === 'finish') {
    if (!checkFinish(m.finish)) {
      const first = checkFinish.errors?.[0];
      throw new BootwatchError(
        'input.invalid',
        `finish${first?.instancePath ?? ''}: ${first?.message ?? 'invalid'}`,
      );
    }
    return { type: 'finish', finish: m.finish as BootFinishInput };
  }
  throw new BootwatchError('input.invalid', `unknown message type ${JSON.stringify(m?.type ?? null)}`);
}
