/** Helpers for rows: raw SQL for tests and checks (both drivers answer `{ rows }`), json and timestamps. */
import { type AnyColumn, type SQL, sql } from 'drizzle-orm';
import type { Db } from './client.ts';

/** Runs a raw statement and returns its rows. */
export async function rowsOf<T>(db: Db, query: SQL): Promise<T[]> {
  const res = (await db.execute(query)) as unknown as { rows: T[] };
  return res.rows;
}

/** A json/jsonb value from a raw row: parsed by both drivers, text defensively. */
export function jsonValue<T>(v: T | string): T {
  return typeof v === 'string' ? (JSON.parse(v) as T) : v;
}

/** ISO 8601 text of a timestamp column (Date from both drivers, string defensively). */
export function iso(v: Date | string | null | undefined): string | null {
  if (v == null) return null;
  return (v instanceof Date ? v : new Date(v)).toISOString();
}

/**
 * ISO 8601 text of a timestamp column as `iso` gives it (UTC, milliseconds truncated), made by
 * the database: reading hundreds of rows, a Date per value cost more than the query.
 */
export function isoText(column: AnyColumn | SQL): SQL<string> {
  return sql<string>`to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
}

/** True for a value that can name a row: ids are int4, and a stored JSON id may be anything. */
export function isRowId(v: unknown): v is number {
  return Number.isInteger(v) && (v as number) >= 1 && (v as number) <= 2147483647;
}
