/** Schema building blocks shared by every route: errors, ids, nullable and enum helpers. */
import { type Static, type TSchema, Type } from '@sinclair/typebox';

/** A string enum as JSON Schema `enum`: readable in OpenAPI and in validation errors. */
export function StringEnum<const T extends readonly string[]>(values: T, description?: string) {
  return Type.Unsafe<T[number]>({
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

export const IdParams = Type.Object({ id: Type.Integer({ minimum: 1, maximum: 2147483647 }) });
export type IdParams = Static<typeof IdParams>;

export const IdResponse = Type.Object({ id: Type.Integer() });

export const Timestamp = Type.String({ format: 'date-time' });

/** A comma-separated list in a query string (`variant=a,b`). */
export const CsvList = (description: string) => Type.Optional(Type.String({ description, maxLength: 4000 }));

/** `a,b` → ['a','b'] (empty parts dropped); undefined when absent. */
export function splitCsv(v: string | undefined): string[] | undefined {
  if (!v) return undefined;
  const parts = v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  return parts.length ? parts : undefined;
}
