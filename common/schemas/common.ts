/** Schema building blocks every shape uses: enums, nullables, ids, timestamps and the error body. */

import { FormatRegistry, Kind, type Static, type TSchema, Type, TypeRegistry } from '@sinclair/typebox';
import { DefaultErrorFunction, SetErrorFunction } from '@sinclair/typebox/errors';
import { ARCHES } from '../arch.ts';

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
/** Every 4xx/5xx answer: a stable code (common/errors.ts) and a message a user can act on. */
export type ApiError = Static<typeof ErrorBody>;

/** Largest value of an `integer` (int4) column: ids, counts, milliseconds. */
export const INT4_MAX = 2147483647;

/** A row id as input: ids are int4, and a larger one must be a 4xx, not a database error. */
export const Id = (description?: string) =>
  Type.Integer({ minimum: 1, maximum: INT4_MAX, ...(description ? { description } : {}) });

export const IdResponse = Type.Object({ id: Type.Integer() });
export type IdResponse = Static<typeof IdResponse>;

export const Timestamp = Type.String({ format: 'date-time' });

/** A date-time as input: years 1970-9999, which every reader and PostgreSQL's timestamptz handle. */
export const InputTimestamp = Type.String({
  format: 'date-time',
  pattern: '^(19[7-9][0-9]|[2-9][0-9]{3})-',
  maxLength: 64,
});

/** `arch=x86_64,arm64` in a query string: one definition for every route that filters by architecture. */
export const ArchList = (what: string) =>
  Type.Optional(
    Type.String({
      pattern: `^(${ARCHES.join('|')})(,(${ARCHES.join('|')}))*$`,
      description: `${what}, comma-separated: ${ARCHES.join(', ')}`,
    }),
  );
