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
export const validatorCompiler: FastifySchemaCompiler<unknown> = ({ schema, httpPart }) => {
  if (httpPart === 'body')
    return bodies.compile(schema as object) as ReturnType<FastifySchemaCompiler<unknown>>;
  const check = urls.compile(schema as object);
  // PostgreSQL text refuses NUL: a %00 in a name or filter must be a 400, not a failed query.
  const validate = (data: unknown) => {
    const nul = nulPath(data);
    validate.errors =
      nul === null ? null : [{ instancePath: nul, message: 'must not contain NUL characters' }];
    if (nul !== null) return false;
    const ok = check(data);
    validate.errors = check.errors ?? null;
    return ok;
  };
  validate.errors = null as unknown;
  return validate as ReturnType<FastifySchemaCompiler<unknown>>;
};

/** The path (`/name`) of the first string holding a NUL in a URL part's values, else null. */
function nulPath(data: unknown): string | null {
  if (typeof data === 'string') return data.includes('\u0000') ? '' : null;
  if (!data || typeof data !== 'object') return null;
  for (const [k, v] of Object.entries(data)) {
    if (k.includes('\u0000')) return `/${k.replaceAll('\u0000', '\\0')}`;
    const inner = nulPath(v);
    if (inner !== null) return `/${k}${inner}`;
  }
  return null;
}
