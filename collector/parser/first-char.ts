/**
 * What character a message must begin with for an anchored pattern to match it: tables of
 * patterns tried in order (crash headers, kernel facts) are split by it, so a message meets
 * only the patterns that can match it.
 */

/**
 * The one character a match of `re` must begin with, when the pattern says so plainly: `^`
 * then a literal (not made optional), with no top-level `|` and no flag that changes what `^`
 * or a letter matches. Otherwise null: the pattern is tried on every message.
 */
export function firstCharOf(re: RegExp): number | null {
  if (re.flags !== '' || !re.source.startsWith('^')) return null;
  const src = re.source;
  let depth = 0;
  let inClass = false;
  for (let i = 1; i < src.length; i++) {
    const c = src[i];
    if (c === '\\') i++;
    else if (inClass) inClass = c !== ']';
    else if (c === '[') inClass = true;
    else if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === '|' && depth === 0) return null;
  }
  let at = 1;
  let ch = src[1];
  if (ch === '\\') {
    ch = src[2];
    // Only an escaped punctuation character is a literal (`\d`, `\w`, `\s`... are classes).
    if (ch === undefined || /[\w\s]/.test(ch)) return null;
    at = 2;
  } else if (ch === undefined || '^$.*+?()[]{}|'.includes(ch)) return null;
  if ('?*{'.includes(src[at + 1] ?? '')) return null;
  return ch.charCodeAt(0);
}

/** Each item's pattern's firstCharOf, per ASCII first character: the items that can match, in order. */
export function byFirstChar<T>(
  items: readonly T[],
  pattern: (item: T) => RegExp,
): { ascii: T[][]; other: T[] } {
  const firsts = items.map((item) => firstCharOf(pattern(item)));
  return {
    ascii: Array.from({ length: 128 }, (_, c) =>
      items.filter((_, i) => firsts[i] === null || firsts[i] === c),
    ),
    other: items.filter((_, i) => firsts[i] === null),
  };
}
