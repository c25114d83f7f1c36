/** Route-only schema pieces: error responses, id params and comma-separated query lists. */
import { type Static, Type } from '@sinclair/typebox';
import type { Arch } from '../../../common/arch.ts';
import { type ErrorBody, Id, INT4_MAX } from '../../../common/schemas/common.ts';

export {
  ArchList,
  ErrorBody,
  Id,
  IdResponse,
} from '../../../common/schemas/common.ts';

/** Response entries for the error statuses a route can answer. */
export function errors<const C extends readonly number[]>(...codes: C) {
  return Object.fromEntries(codes.map((c) => [c, Type.Ref('ApiError')])) as unknown as {
    [K in C[number]]: typeof ErrorBody;
  };
}

export const IdParams = Type.Object({ id: Id() });
export type IdParams = Static<typeof IdParams>;

/** A comma-separated list in a query string (`variant=a,b`). */
export const CsvList = (description: string) => Type.Optional(Type.String({ description, maxLength: 4000 }));

/** Ids from a comma-separated list: whole numbers 1..INT4_MAX only, the rest dropped. */
export function splitIds(v: string | undefined): number[] | undefined {
  return splitCsv(v)
    ?.map(Number)
    .filter((n) => Number.isInteger(n) && n >= 1 && n <= INT4_MAX);
}

/** `a,b` → ['a','b'] (empty parts dropped); undefined when absent. */
export function splitCsv(v: string | undefined): string[] | undefined {
  if (!v) return undefined;
  const parts = v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  return parts.length ? parts : undefined;
}

/** An `ArchList` query value as architectures (the schema already refused anything else). */
export const splitArches = (v: string | undefined) => splitCsv(v) as Arch[] | undefined;
