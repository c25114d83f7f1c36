/** Tells a database that is away (refused, shut down, closed) from a bad query. */

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
]);
const MESSAGES =
  /Connection terminated|connection timeout|Client has encountered a connection error|Cannot use a pool after calling end|PGlite is closed|database is closed|the database system is (starting up|shutting down)|terminating connection/i;

/** True when `err` (or an error it wraps) says the database cannot be reached. */
export function isDbUnavailable(err: unknown): boolean {
  for (let e = err, depth = 0; e && depth < 5; depth++) {
    if (typeof e !== 'object') return false;
    const { code, message, name } = e as { code?: unknown; message?: unknown; name?: unknown };
    if (name === 'BootwatchError' && code === 'db.unavailable') return true;
    if (typeof code === 'string') {
      if (NETWORK_CODES.has(code)) return true;
      // SQLSTATE classes 08 (connection exception) and 57P (operator intervention: shutdown).
      if (/^08/.test(code) || /^57P0[1-3]$/.test(code)) return true;
    }
    if (typeof message === 'string' && MESSAGES.test(message)) return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}
