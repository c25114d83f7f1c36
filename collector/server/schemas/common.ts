/** Schema building blocks shared by every route: errors, ids, nullable and enum helpers. */

import { FormatRegistry, Kind, type Static, type TSchema, Type, TypeRegistry } from '@sinclair/typebox';
import { DefaultErrorFunction, SetErrorFunction } from '@sinclair/typebox/errors';

// TypeBox's own checker (Value.Check, used outside Fastify's ajv) must know the custom kind and formats.
TypeRegistry.Set<{ enum: string[] }>('StringEnum', (schema, value) => schema.enum.includes(value as string));
SetErrorFunction((e) =>
  e.schema[Kind] === 'StringEnum'
    ? `must be one of ${(e.schema.enum as string[]).join(', ')}`
    : DefaultErrorFunction(e),
);
FormatRegistry.Set(
  'date-time',
  (v) =>
    /^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:?\d\d)$/i.test(v) && !Number.isNaN(Date.parse(v)),
);

/** A string enum as JSON Schema `enum`: readable in OpenAPI and in validation errors. */
export function StringEnum<const T extends readonly string[]>(values: T, description?: string) {
  return Type.Unsafe<T[number]>({
    [Kind]: 'StringEnum',
    type: 'string',
    enum: [...values],
    ...(description ? { description } : {}),
  });
}

export const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

/** Optional and nullable: what runners may leave out or send as null. */
export const Maybe = <T extends TSchema>(schema: T) => Type.Optional(Nullable(schema));

export const ErrorBody = Type.Object(
  {
    error: Type.Object({
      code: Type.String({ description: 'stable error code, e.g. boot.not_found' }),
      message: Type.String(),
    }),
  },
  { $id: 'ApiError', description: 'Every 4xx/5xx answer' },
);

/** Response entries for the error statuses a route can answer. */
export function errors<const C extends readonly number[]>(...codes: C) {
  return Object.fromEntries(codes.map((c) => [c, Type.Ref('ApiError')])) as unknown as {
    [K in C[number]]: typeof ErrorBody;
  };
}

/** Largest value of an `integer` (int4) column: ids, counts, milliseconds. */
export const INT4_MAX = 2147483647;

/** A row id as input: ids are int4, and a larger one must be a 4xx, not a database error. */
export const Id = (description?: string) =>
  Type.Integer({ minimum: 1, maximum: INT4_MAX, ...(description ? { description } : {}) });

export const IdParams = Type.Object({ id: Id() });
export type IdParams = Static<typeof IdParams>;

export const IdResponse = Type.Object({ id: Type.Integer() });

export const Timestamp = Type.String({ format: 'date-time' });

/** A date-time as input: years 1970-9999, which every reader and PostgreSQL's timestamptz handle. */
export const InputTimestamp = Type.String({
  format: 'date-time',
  pattern: '^(19[7-9][0-9]|[2-9][0-9]{3})-',
  maxLength: 64,
});

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
