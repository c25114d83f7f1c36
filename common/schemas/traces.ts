/** `GET /api/boots/:id/traces`: a boot's crash reports decoded like scripts/decode_stacktrace.sh. */
import { type Static, Type } from '@sinclair/typebox';
import { Nullable } from './common.ts';

const TraceLine = Type.Object({
  text: Type.String(),
  decoded: Type.String(),
  address: Nullable(Type.String()),
  locations: Type.Array(Type.String()),
});

export const BootTraces = Type.Object({
  bootId: Type.Integer(),
  buildId: Nullable(Type.Integer()),
  systemMap: Type.Boolean(),
  vmlinux: Nullable(Type.String({ description: 'the vmlinux addr2line read, when one was found' })),
  crashes: Type.Array(
    Type.Object({ title: Type.String(), line: Type.Integer(), lines: Type.Array(TraceLine) }),
  ),
});
export type BootTraces = Static<typeof BootTraces>;
