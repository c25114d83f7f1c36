/** `GET /api/health`: is the collector up, and is its database answering? */
import { type Static, Type } from '@sinclair/typebox';
import { StringEnum } from './common.ts';

export const HealthResponse = Type.Object({
  ok: Type.Boolean(),
  db: StringEnum(['pglite', 'postgres'] as const),
  error: Type.Optional(
    Type.Object(
      { code: Type.String(), message: Type.String() },
      { description: 'present when `ok` is false' },
    ),
  ),
});
export type HealthResponse = Static<typeof HealthResponse>;
