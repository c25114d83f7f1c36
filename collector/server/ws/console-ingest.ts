/**
 * WS /api/boots/:id/console/ws: a runner streams a boot's console. The server acks the
 * stored offset on connect and after every chunk; chunks are handled strictly in order.
 */
import type { ErrorObject } from 'ajv';
import { BootwatchError } from '../../../common/errors.ts';
import { IngestChunk, IngestFinish } from '../../../common/schemas/ingest-socket.ts';
import type { BootFinishInput, IngestServerMessage } from '../../../common/types/ingest.ts';
import { toHttpError } from '../http-errors.ts';
import { jsonDepth, MAX_JSON_DEPTH } from '../json-body.ts';
import { assertMayModify, bootOwner } from '../ownership.ts';
import { IdParams } from '../schemas/common.ts';
import type { App } from '../types.ts';
import { compileBody } from '../validation.ts';

// Plain JSON Schema validation, as for REST bodies: TypeBox's Value.Check needs its custom
// kinds registered in the same module instance, which test runners may duplicate. One
// validator per type, picked by `type`, so an error names the field, not a union branch.
const checks = {
  chunk: compileBody<IngestChunk>(IngestChunk),
  finish: compileBody<IngestFinish>(IngestFinish),
};

/** Largest WebSocket message: a base64 chunk well above what runners send (64 KiB). */
export const INGEST_MAX_MESSAGE = 16 << 20;

/** A console offset fits the bigint column and a JS number exactly. */
const MAX_OFFSET = Number.MAX_SAFE_INTEGER;
const NOT_BASE64 = 'chunk.data must be canonical base64 (RFC 4648, padded)';

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
      // Messages queue behind the initial ack and are handled in arrival order. Chunks that
      // queued up while a write was in flight go as one append (when each starts where the
      // one before it ends): one parse step, one transaction and one ack, so a runner that
      // streams faster than one transaction per chunk is not paced by the database.
      const inbox: string[] = [];
      let queue = ingest.storedOffset(bootId).then((offset) => send({ type: 'ack', offset }), fail);
      socket.on('message', (data) => {
        inbox.push(String(data));
        if (inbox.length === 1) queue = queue.then(drain);
      });

      async function drain(): Promise<void> {
        while (inbox.length) {
          let run: { offset: number; parts: Buffer[]; end: number } | null = null;
          const flush = async () => {
            if (!run) return;
            const { offset, parts } = run;
            run = null;
            await ingest
              .append(bootId, offset, parts.length === 1 ? parts[0] : Buffer.concat(parts))
              .then((stored) => send({ type: 'ack', offset: stored }), fail);
          };
          for (const text of inbox.splice(0)) {
            let m: Parsed;
            try {
              m = parseMessage(text);
            } catch (err) {
              await flush();
              fail(err);
              continue;
            }
            if (m.type === 'chunk') {
              if (run && m.offset === run.end && run.end - run.offset + m.bytes.length <= MAX_RUN) {
                run.parts.push(m.bytes);
                run.end += m.bytes.length;
              } else {
                await flush();
                run = { offset: m.offset, parts: [m.bytes], end: m.offset + m.bytes.length };
              }
            } else {
              await flush();
              await ingest
                .finish(bootId, m.finish)
                .then((outcome) => send({ type: 'finished', outcome }), fail);
            }
          }
          await flush();
        }
      }
    },
  );
}

/** The most bytes queued chunks are joined into for one append. */
const MAX_RUN = 4 << 20;

type Parsed = { type: 'chunk'; offset: number; bytes: Buffer } | { type: 'finish'; finish: BootFinishInput };

/** A client message, checked against its schema; `input.invalid` says what is wrong with it. */
function parseMessage(text: string): Parsed {
  let m: unknown;
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
  const type = (m as { type?: unknown }).type;
  if (type !== 'chunk' && type !== 'finish') {
    const shown = typeof type === 'string' ? type.slice(0, 50) : null;
    throw new BootwatchError('input.invalid', `unknown message type ${JSON.stringify(shown)}`);
  }
  if (type === 'finish') {
    if (!checks.finish(m)) throw invalid(type, checks.finish.errors);
    return { type, finish: m.finish };
  }
  if (!checks.chunk(m)) throw invalid(type, checks.chunk.errors);
  const bytes = strictBase64(m.data);
  if (!bytes) throw new BootwatchError('input.invalid', NOT_BASE64);
  if (m.offset + bytes.length > MAX_OFFSET)
    throw new BootwatchError('input.invalid', 'chunk.offset plus its length is past the largest console');
  return { type, offset: m.offset, bytes };
}

/** What the schema refused, named as a runner's code names the field: `chunk.offset`, `finish.durationMs`. */
function invalid(type: 'chunk' | 'finish', errors: ErrorObject[] | null | undefined): BootwatchError {
  const first = errors?.[0];
  const path = first?.instancePath ?? '';
  if (type === 'chunk' && path === '/data') return new BootwatchError('input.invalid', NOT_BASE64);
  const field = (type === 'chunk' ? `chunk${path}` : path.slice(1) || 'finish').replaceAll('/', '.');
  return new BootwatchError('input.invalid', `${field}: ${first?.message ?? 'invalid'}`);
}

/** The bytes of canonical base64 (the schema checked the alphabet), else null: Buffer.from drops junk. */
function strictBase64(data: string): Buffer | null {
  if (data.length % 4 !== 0) return null;
  const bytes = Buffer.from(data, 'base64');
  // Re-encoding catches what the pattern lets by: padding in the middle, stray low bits.
  return bytes.toString('base64') === data ? bytes : null;
}
