/** WS /api/boots/:id/console/ws: what a runner sends on the console ingest socket, and what it hears back. */
import { type Static, Type } from '@sinclair/typebox';
import { StringEnum } from './common.ts';
import { BootFinishSchema } from './ingest.ts';
import { BOOT_OUTCOMES } from './parse.ts';

/** Base64's alphabet, padded; a single class keeps the match linear on a 16 MiB message. */
const BASE64_PATTERN = '^[A-Za-z0-9+/]*={0,2}$';

/** Console bytes starting at byte `offset` of the boot's console. */
export const IngestChunk = Type.Object({
  type: Type.Literal('chunk'),
  offset: Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER }),
  data: Type.String({
    pattern: BASE64_PATTERN,
    description: 'the bytes as canonical base64 (RFC 4648, padded)',
  }),
});
export type IngestChunk = Static<typeof IngestChunk>;

/** The boot ended: how, as the runner saw it. */
export const IngestFinish = Type.Object({ type: Type.Literal('finish'), finish: BootFinishSchema });
export type IngestFinish = Static<typeof IngestFinish>;

/** Messages a runner sends on the console ingest WebSocket. */
const _IngestClientMessage = Type.Union([IngestChunk, IngestFinish]);

/** Messages the collector answers on the ingest WebSocket. */
export const IngestServerMessage = Type.Union([
  Type.Object({
    type: Type.Literal('ack'),
    offset: Type.Integer({ description: 'every byte below is stored: resend from here' }),
  }),
  Type.Object({ type: Type.Literal('finished'), outcome: StringEnum(BOOT_OUTCOMES) }),
  Type.Object({ type: Type.Literal('error'), code: Type.String(), message: Type.String() }),
]);
export type IngestServerMessage = Static<typeof IngestServerMessage>;
