/** Column types the schema shares: raw bytes and timestamps. */
import { customType, timestamp } from 'drizzle-orm/pg-core';

/** Raw bytes: console chunks, compressed symbol tables. */
export const bytea = customType<{ data: Uint8Array; driverData: Uint8Array }>({
  dataType: () => 'bytea',
  toDriver: (v) => v,
  fromDriver: (v) => (v instanceof Uint8Array ? v : new Uint8Array(v as ArrayBuffer)),
});

/** A point in time with its zone, read back as a Date. */
export const at = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

/** Creation time, filled by the database. */
export const createdAt = () => at('created_at').notNull().defaultNow();
