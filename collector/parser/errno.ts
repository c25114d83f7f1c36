/**
 * Finding errno values in console text: the kernel's `error -2`, `(error -8)`, `err=-19`,
 * `-ENOENT` (`%pe`), and userspace's strerror texts (`socket: Function not implemented`).
 */
import { ERRNO_ALIASES, ERRNO_TABLE, type ErrnoEntry } from './tables/errno.ts';

const BY_NUMBER = new Map<number, ErrnoEntry>(ERRNO_TABLE.map((e) => [e.errno, e]));
const BY_NAME = new Map<string, ErrnoEntry>(ERRNO_TABLE.map((e) => [e.name, e]));
for (const [alias, name] of Object.entries(ERRNO_ALIASES)) {
  const e = BY_NAME.get(name);
  if (e) BY_NAME.set(alias, e);
}
// Only texts glibc prints; the kernel-internal codes never reach userspace.
const BY_MESSAGE = new Map<string, ErrnoEntry>(
  ERRNO_TABLE.filter((e) => e.errno < 512).map((e) => [e.message.toLowerCase(), e]),
);

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

// Longest first so "No such device or address" wins over "No such device".
const STRERROR_RE = new RegExp(
  `(?:^|: |\\()(${[...BY_MESSAGE.keys()]
    .sort((a, b) => b.length - a.length)
    .map(escapeRe)
    .join('|')})(?:\\)|\\.|$| \\()`,
  'i',
);

const NUMERIC_RE =
  /\b(?:error|err|errno|ret|rc|retval|status|code)\b\s*[=:]?\s*\(?(-\d{1,4})\b|\bfailed(?: with)?\s*\((-\d{1,4})\)|\((-\d{1,4})\)\s*$/i;
const SYMBOLIC_RE = /(?:^|[\s(=:])-(E[A-Z0-9_]{2,20})\b/;

export interface ErrnoMatch {
  /** Negative, as the kernel returns it. */
  errno: number;
  name: string | null;
  /** How it was written: `number`, `symbol` or the strerror `text`. */
  form: 'number' | 'symbol' | 'text';
}

/** The symbolic name of an errno (sign ignored), or null when Linux has no such number. */
export function errnoName(errno: number): string | null {
  return BY_NUMBER.get(Math.abs(errno))?.name ?? null;
}

/** The errno number for a name such as `ENOENT` (negative), or null. */
export function errnoByName(name: string): number | null {
  const e = BY_NAME.get(name);
  return e ? -e.errno : null;
}

/** The first errno a message reports, in any of the kernel's or userspace's forms. */
export function findErrno(message: string): ErrnoMatch | null {
  const n = NUMERIC_RE.exec(message);
  if (n) {
    const value = Number(n[1] ?? n[2] ?? n[3]);
    if (BY_NUMBER.has(-value)) return { errno: value, name: errnoName(value), form: 'number' };
  }
  const s = SYMBOLIC_RE.exec(message);
  if (s) {
    const e = BY_NAME.get(s[1]);
    if (e) return { errno: -e.errno, name: e.name, form: 'symbol' };
  }
  if (message.length < 2000) {
    const t = STRERROR_RE.exec(message);
    if (t) {
      const e = BY_MESSAGE.get(t[1].toLowerCase());
      if (e) return { errno: -e.errno, name: e.name, form: 'text' };
    }
  }
  return null;
}
