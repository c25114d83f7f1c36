/** Rows in PostgreSQL's COPY text format: tab-separated columns, `\N` for null, one row a line. */

const NULL = '\\N';
const SPECIAL = /[\\\n\r\t]/;
const ESCAPES: Record<string, string> = { '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/** One value: text escaped, numbers as JSON writes them, null (and non-finite numbers) as `\N`. */
function copyValue(v: string | number | boolean | null | undefined): string {
  if (v == null || (typeof v === 'number' && !Number.isFinite(v))) return NULL;
  const s = String(v);
  return SPECIAL.test(s) ? s.replace(/[\\\n\r\t]/g, (c) => ESCAPES[c]) : s;
}

/** One row, its line end included. */
export function copyRow(values: (string | number | boolean | null | undefined)[]): string {
  let row = '';
  for (let i = 0; i < values.length; i++) row += (i ? '\t' : '') + copyValue(values[i]);
  return `${row}\n`;
}

/** Rows grouped into parts of about `size` characters, for a COPY stream. */
export function copyParts(rows: Iterable<string>, size = 1 << 20): string[] {
  const parts: string[] = [];
  let part = '';
  for (const row of rows) {
    part += row;
    if (part.length < size) continue;
    parts.push(part);
    part = '';
  }
  if (part) parts.push(part);
  return parts;
}
