/**
 * JSON request bodies: parsed safely (no `__proto__`/`constructor` pollution) and bounded in
 * nesting depth before anything recurses over them, since schema validation, storage and
 * later reads all walk a value recursively and 5,000 levels would overflow their stacks.
 */
import sjson from 'secure-json-parse';
import { BootwatchError } from '../../common/errors.ts';

/** Deepest nesting of arrays and objects a body may have; real inputs stay under ten. */
export const MAX_JSON_DEPTH = 64;

/** The body's value; `input.invalid` (400) for empty, malformed, too deep or polluting JSON. */
export function parseJsonBody(text: string): unknown {
  if (text.trim() === '') throw new BootwatchError('input.invalid', 'the JSON body is empty');
  const depth = jsonDepth(text);
  if (depth > MAX_JSON_DEPTH)
    throw new BootwatchError(
      'input.invalid',
      `the JSON body nests ${depth > 10_000 ? 'over 10000' : depth} levels deep; at most ${MAX_JSON_DEPTH} are accepted`,
    );
  try {
    return sjson.parse(text, undefined, { protoAction: 'error', constructorAction: 'error' });
  } catch (err) {
    throw new BootwatchError('input.invalid', `the body is not valid JSON: ${(err as Error).message}`);
  }
}

/** Deepest bracket nesting in JSON text (strings skipped), without parsing it; stops counting past 10,001. */
export function jsonDepth(text: string): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > max) max = depth;
      if (max > 10_000) return max;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return max;
}
