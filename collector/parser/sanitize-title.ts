/**
 * The last step of every crash title, as syzkaller's pkg/report does it: a title is one short
 * line of printable ASCII, so reports of one bug keep one title whatever the console mangled.
 */

/** syzkaller's limit: corrupted or intermixed lines can be very long. */
export const MAX_TITLE_BYTES = 120;

/** Bytes a code point takes in UTF-8 (a lone surrogate counts as its replacement's 3). */
function utf8Bytes(cp: number): number {
  return cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
}

/**
 * The title cut to its first MAX_TITLE_BYTES bytes of UTF-8, tabs made spaces, every other
 * byte below 0x20 or from 0x7f up dropped (so all of a non-ASCII character, even one the cut
 * splits), runs of spaces made one, and trimmed.
 */
export function sanitizeTitle(title: string): string {
  let out = '';
  let offset = 0;
  // Leading spaces go too: syzkaller starts as if one had just been written.
  let prev = ' ';
  for (const ch of title) {
    if (offset >= MAX_TITLE_BYTES) break;
    const cp = ch.codePointAt(0)!;
    offset += utf8Bytes(cp);
    const c = cp === 0x09 ? ' ' : ch;
    if (c !== ' ' && (cp < 0x20 || cp >= 0x7f)) continue;
    if (c === ' ' && prev === ' ') continue;
    out += c;
    prev = c;
  }
  return prev === ' ' ? out.slice(0, -1) : out;
}
