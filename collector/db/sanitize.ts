/**
 * PostgreSQL text and jsonb refuse NUL characters and lone surrogates (a string cut in the
 * middle of a pair); console text can hold both. These make any string storable.
 */

const BAD = /[\u0000\uD800-\uDFFF]/;
const FIX = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** The string with NULs and lone surrogates replaced by U+FFFD. */
export function cleanText(s: string): string {
  return BAD.test(s) ? s.replace(FIX, '\uFFFD') : s;
}

/** Same, for a nullable value. */
export function cleanNullable(s: string | null | undefined): string | null {
  return s == null ? null : cleanText(s);
}

/** JSON text safe for a jsonb column (object keys included). */
export function jsonText(value: unknown): string {
  const fast = JSON.stringify(value);
  // JSON.stringify escapes NUL and lone surrogates, so only then is the slow, cleaning pass needed.
  if (fast === undefined || !/\\u(0000|d[89a-f])/i.test(fast)) return fast;
  return JSON.stringify(cleanDeep(JSON.parse(fast)));
}

/** A parsed JSON value with its strings and keys cleaned. */
function cleanDeep(v: unknown): unknown {
  if (typeof v === 'string') return cleanText(v);
  if (Array.isArray(v)) return v.map(cleanDeep);
  if (v === null || typeof v !== 'object') return v;
  // fromEntries defines own properties: a "__proto__" key stays data, never a prototype.
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [cleanText(k), cleanDeep(x)]));
}

/** A deep copy whose strings are safe for a jsonb column. */
export function cleanJson<T>(value: T): T {
  return JSON.parse(jsonText(value)) as T;
}
