/** Databases as an older bootwatch left them, for migration tests: migrated up to a given migration, or not at all. */
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { migrate as migratePg } from 'drizzle-orm/node-postgres/migrator';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { type Database, MIGRATIONS_DIR, openDatabase } from '../../collector/db/client.ts';
import type { Backend } from './db.ts';

/** The migrations folder as it was before `tag`: the journal cut just before its entry. */
export function migrationsBefore(tag: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'bw-migrations-'));
  cpSync(MIGRATIONS_DIR, dir, { recursive: true });
  const journalPath = join(dir, 'meta', '_journal.json');
  const journal = JSON.parse(readFileSync(journalPath, 'utf8')) as { entries: { tag: string }[] };
  const cut = journal.entries.findIndex((e) => e.tag === tag);
  if (cut < 1) throw new Error(`no migration ${tag} after the first`);
  writeFileSync(journalPath, JSON.stringify({ ...journal, entries: journal.entries.slice(0, cut) }));
  return dir;
}

/** Applies the migrations in `folder` that have not run yet. */
export async function migrate(database: Database, folder: string): Promise<void> {
  const config = { migrationsFolder: folder };
  if (database.kind === 'pglite') await migratePglite(database.db as never, config);
  else await migratePg(database.db as never, config);
}

/** An empty database of the backend, not migrated (on PostgreSQL, with its URL). */
export async function emptyDatabase(backend: Backend): Promise<Database & { url: string | null }> {
  const server = backend.server();
  if (!server)
    return Object.assign(await openDatabase({ pglite: new PGlite(), migrate: false }), { url: null });
  server.start();
  const url = await server.createDatabase();
  return Object.assign(await openDatabase({ url, migrate: false }), { url });
}
