/**
 * WS /api/boots/:id/console/ws: a runner streams a boot's console. The server acks the
 * stored offset on connect and after every chunk; chunks are handled strictly in order.
 */
import { BootwatchError } from '../../../common/errors.ts';
import type { BootFinishInput, IngestServerMessage } from '../../../common/types/ingest.ts';
import { toHttpError } from '../http-errors.ts';
import { jsonDepth, MAX_JSON_DEPTH } from '../json-body.ts';
import { assertMayModify, bootOwner } from '../ownership.ts';
import { IdParams } from '../schemas/common.ts';
import { BootFinishSchema } from '../schemas/ingest.ts';
import type { App } from '../types.ts';
import { compileBody } from '../validation.ts';

// Plain JSON Schema validation, as for REST bodies: TypeBox's Value.Check needs its custom
// kinds registered in the same module instance, which test runners may duplicate.
const checkFinish = compileBody(BootFinishSchema);

/** Largest WebSocket message: a base64 chunk well above what runners send (64 KiB). */
export const INGEST_MAX_MESSAGE = 16 << 20;

/** Base64's alphabet; a single class keeps the regex linear on a 16 MiB message. */
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
/** A console offset fits the bigint column and a JS number exactly. */
const MAX_OFFSET = Number.MAX_SAFE_INTEGER;

export async function consoleIngestSocket(app: App): Promise<void> {
  app.get(
    '/api/boots/:id/console/ws',
    {
      websocket: true,
      schema: { tags: ['console'], summary: 'console stream ingest (WebSocket)', params: IdParams },
      // Refused before the upgrade: another token's boot is not this runner's to feed.
      preHandler: async (req) =>
        assertMayModify(
          req,
          `boot ${req.params.id}`,
          await bootOwner(app.database.db, { id: req.params.id }),
        ),
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
          const offset = await ingest.append(bootId, m.offset, m.bytes);
          send({ type: 'ack', offset });
        } else {
          send({ type: 'finished', outcome: await ingest.finish(bootId, m.finish) });
        }
      }
    },
  );
}

type Parsed = { type: 'chunk'; offset: number; bytes: Buffer } | { type: 'finish'; finish: BootFinishInput };

/** A client message, checked; `input.invalid` says what is wrong with it. */
function parseMessage(text: string): Parsed {
  let m: { type?: unknown; offset?: unknown; data?: unknown; finish?: unknown };
  // Bounded before anything walks it, as REST bodies are (json-body.ts).
  if (jsonDepth(text) > MAX_JSON_DEPTH)
    throw new BootwatchError('input.invalid', `messages nest at most ${MAX_JSON_DEPTH} levels deep`);
  try {
    m = JSON.parse(text);
  } catch {
    throw new BootwatchError(
      'input.invalid',
      'messages are JSON: {type:"chunk",offset,data} or {type:"finish",finish}',
    );
  }
  if (m === null || typeof m !== 'object' || Array.isArray(m))
    throw new BootwatchError('input.invalid', 'a message is a JSON object with a type');
  if (m.type === 'chunk') {
    if (!Number.isSafeInteger(m.offset) || (m.offset as number) < 0 || (m.offset as number) > MAX_OFFSET)
      throw new BootwatchError('input.invalid', `chunk.offset must be an integer from 0 to ${MAX_OFFSET}`);
    const bytes = typeof m.data === 'string' ? strictBase64(m.data) : null;
    if (!bytes)
      throw new BootwatchError('input.invalid', 'chunk.data must be canonical base64 (RFC 4648, padded)');
    if ((m.offset as number) + bytes.length > MAX_OFFSET)
      throw new BootwatchError('input.invalid', 'chunk.offset plus its length is past the largest console');
    return { type: 'chunk', offset: m.offset as number, bytes };
  }
  if (m.type === 'finish') {
    if (!checkFinish(m.finish)) {
      const first = checkFinish.errors?.[0];
      throw new BootwatchError(
        'input.invalid',
        `finish${first?.instancePath ?? ''}: ${first?.message ?? 'invalid'}`,
      );
    }
    return { type: 'finish', finish: m.finish as BootFinishInput };
  }
  const type = typeof m.type === 'string' ? m.type.slice(0, 50) : null;
  throw new BootwatchError('input.invalid', `unknown message type ${JSON.stringify(type)}`);
}

/** The bytes of canonical base64, else null: Buffer.from(x, 'base64') silently drops junk. */
function strictBase64(data: string): Buffer | null {
  if (data.length % 4 !== 0 || !BASE64.test(data)) return null;
  const bytes = Buffer.from(data, 'base64');
  // Re-encoding catches what the regex lets by: padding in the middle, stray low bits.
  return bytes.toString('base64') === data ? bytes : null;
}
