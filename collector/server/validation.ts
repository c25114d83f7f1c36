/**
 * Request validation. Fastify's default Ajv coerces types everywhere, which is right for a
 * query string (`?limit=5` is text) and wrong for a JSON body: it turns a `null` into `""`
 * or `0` (or `0` into `null`, by union order), so a runner's "no value" would be stored as
 * an empty string. Bodies are validated as sent; params and query strings are coerced.
 */
import { Ajv, type Options } from 'ajv';
import addFormats from 'ajv-formats';
import type { FastifySchemaCompiler } from 'fastify';

const COMMON: Options = { useDefaults: true, removeAdditional: true, allErrors: false, strict: false };

function makeAjv(coerce: Options['coerceTypes']): Ajv {
  const ajv = new Ajv({ ...COMMON, coerceTypes: coerce });
  addFormats.default(ajv);
  return ajv;
}

const bodies = makeAjv(false);
const urls = makeAjv('array');

/** A JSON body validator (the WebSocket ingest's messages are bodies too). */
export function compileBody<T>(schema: object) {
  return bodies.compile<T>(schema);
}

/** Validator compiler for `app.setValidatorCompiler`. */
export const validatorCompiler: FastifySchemaCompiler<unknown> = ({ schema, httpPart }) =>
  (httpPart === 'body' ? bodies : urls).compile(schema as object) as ReturnType<
    FastifySchemaCompiler<unknown>
  >;
