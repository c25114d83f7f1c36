/**
 * Opens the database: embedded PGlite in a data directory by default, a real PostgreSQL
 * through `pg` when a URL is given. Both get the same drizzle API and the same migrations.
 */
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { setImmediate as ioTurn } from 'node:timers/promises';
import { PGlite } from '@electric-sql/pglite';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import { migrate as migratePg } from 'drizzle-orm/node-postgres/migrator';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { BootwatchError } from '../../common/errors.ts';
import { fromRoot } from '../../common/repo-root.ts';
import { setting } from '../../common/settings.ts';
import { lockDataDir } from './data-dir-lock.ts';
import { isDbUnavailable } from './errors.ts';
import * as schema from './schema/index.ts';

export type Schema = typeof schema;
/** The drizzle handle every query module takes: PGlite and node-postgres alike. */
export type Db = PgDatabase<PgQueryResultHKT, Schema>;
export type DbKind = 'pglite' | 'postgres';
/**
 * Streams rows (whole rows per part, in the format `statement` names) into what `statement`
 * (`copy ... from stdin`) names. Parts are taken one at a time as the server reads, so a
 * lazy iterable's encoding overlaps with the server's work. Resolves once the server has
 * answered the COPY: nothing reads the parts any more.
 */
export type CopyIn = (statement: string, parts: Iterable<string | Uint8Array>) => Promise<void>;

export interface Database {
  db: Db;
  kind: DbKind;
  /** Where the data lives: the PGlite directory, or the server's host/db (no password). */
  location: string;
  /** Resolves when the database answers; throws `db.unavailable` when it does not. */
  ping(): Promise<void>;
  /**
   * Claims a boot's import for this caller among every process on the database; null when
   * someone holds it. A process that dies loses its claims, so a boot whose claim can be
   * taken has no live importer. Resolves with the release.
   */
  claimImport(bootId: number): Promise<(() => Promise<void>) | null>;
  /**
   * Runs `work` in one transaction of the ingest path. PostgreSQL runs it on a connection of
   * its own (readers keep the pool) with COPY at hand; PGlite, which has no client COPY
   * stream, gets `copy` null.
   */
  writeTransaction<T>(work: (tx: Db, copy: CopyIn | null) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export interface OpenOptions {
  /** PostgreSQL URL; default `$DATABASE_URL`; absent: embedded PGlite. */
  url?: string;
  /** PGlite data directory; default `$BOOTWATCH_DATA` or `.bootwatch/` under cwd. */
  dataDir?: string;
  /** An already opened PGlite (tests: in-memory, loaded from a template). */
  pglite?: PGlite;
  /** Apply the migrations (default true). */
  migrate?: boolean;
}

export const MIGRATIONS_DIR = fromRoot('migrations');

/** The embedded database's directory: `$BOOTWATCH_DATA` or `.bootwatch/` under cwd. */
export function defaultDataDir(): string {
  return resolve(setting('BOOTWATCH_DATA'));
}

/** Opens (and migrates) the database the options or the environment name. */
export async function openDatabase(opts: OpenOptions = {}): Promise<Database> {
  const url = opts.url ?? (opts.pglite ? undefined : setting('DATABASE_URL'));
  const database = url ? await openPostgres(url) : await openPglite(opts);
  if (opts.migrate !== false) {
    try {
      await (url
        ? migratePostgres(url)
        : migratePglite(database.db as never, { migrationsFolder: MIGRATIONS_DIR }));
    } catch (err) {
      await database.close().catch(() => {});
      if (isDbUnavailable(err)) throw unavailable(database.location, err);
      throw err;
    }
  }
  return database;
}

/** Key of the advisory lock migrations take on PostgreSQL ("migr" in ASCII). */
const MIGRATE_LOCK = 0x6d696772;

/**
 * Applies the checked-in SQL migrations that have not run yet to the PostgreSQL at `url`, one
 * process at a time: collectors and agents straight on the queue may start together on a
 * fresh database.
 */
export async function migratePostgres(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  client.on('error', () => {});
  try {
    await client.connect();
    // Session-level: it ends with the connection, whatever the migration did.
    await client.query('select pg_advisory_lock($1)', [MIGRATE_LOCK]);
    await migratePg(drizzlePg({ client }), { migrationsFolder: MIGRATIONS_DIR });
  } finally {
    await client.end().catch(() => {});
  }
}

/**
 * PGlite runs each query on this thread and answers without waiting on I/O, so a chain of
 * queries (a finished boot's analysis) held the event loop for its whole length: sockets
 * waited behind it, a runner's verdict answer among them (0.3-1 s per boot under load).
 * Each query and transaction now lets pending I/O in first.
 */
function takingTurns(pglite: PGlite): PGlite {
  const turns = new Set<PropertyKey>(['query', 'exec', 'transaction']);
  return new Proxy(pglite, {
    get(target, prop) {
      const v: unknown = Reflect.get(target, prop, target);
      if (typeof v !== 'function') return v;
      const fn = v.bind(target) as (...a: unknown[]) => unknown;
      return turns.has(prop)
        ? async (...a: unknown[]) => {
            await ioTurn();
            return fn(...a);
          }
        : fn;
    },
  });
}

async function openPglite(opts: OpenOptions): Promise<Database> {
  let client = opts.pglite;
  let release = () => {};
  let location = 'memory';
  if (!client) {
    const dir = join(resolve(opts.dataDir ?? defaultDataDir()), 'pglite');
    mkdirSync(dir, { recursive: true });
    release = lockDataDir(dir);
    location = dir;
    try {
      client = new PGlite(dir);
      await client.waitReady;
    } catch (err) {
      release();
      throw new BootwatchError(
        'db.unavailable',
        `cannot open the embedded database in ${dir}: ${(err as Error).message}`,
      );
    }
  }
  const pglite = client;
  const db = drizzlePglite({ client: takingTurns(pglite), schema }) as unknown as Db;
  return {
    db,
    kind: 'pglite',
    location,
    // The data-dir lock keeps other processes out: claims only need to hold within this one.
    claimImport: claimsInProcess(),
    writeTransaction: (work) => db.transaction((tx) => work(tx, null)),
    async ping() {
      if (pglite.closed) throw new BootwatchError('db.unavailable', 'the embedded database is closed');
      await pglite.query('select 1');
    },
    async close() {
      try {
        if (!pglite.closed) await pglite.close();
      } finally {
        release();
      }
    },
  };
}

async function openPostgres(url: string): Promise<Database> {
  const pool = new pg.Pool({ connectionString: url, max: 10, connectionTimeoutMillis: 5000 });
  // A server going away makes idle clients emit errors; queries report it, the process must not die.
  pool.on('error', () => {});
  // A checked-out client (a transaction) emits 'error' too when the server goes; unheard, it kills us.
  pool.on('connect', (client) => client.on('error', () => {}));
  const location = describeUrl(url);
  // Ingest writes queue for one connection: many at once only fight over locks and starve readers.
  const writer = new pg.Pool({ connectionString: url, max: 1, connectionTimeoutMillis: 5000 });
  writer.on('error', () => {});
  writer.on('connect', (client) => client.on('error', () => {}));
  const onClient = new WeakMap<pg.PoolClient, Db>();
  /**
   * Runs `work` on a client of `from`, always given back; one whose connection broke is
   * discarded, not handed to the next caller.
   */
  async function withClient<T>(
    from: pg.Pool,
    work: (client: pg.PoolClient, tx: Db) => Promise<T>,
  ): Promise<T> {
    let client: pg.PoolClient;
    try {
      client = await from.connect();
    } catch (err) {
      throw isDbUnavailable(err) ? unavailable(location, err) : err;
    }
    let broken: Error | undefined;
    try {
      let tx = onClient.get(client);
      if (!tx) {
        tx = drizzlePg({ client, schema }) as unknown as Db;
        onClient.set(client, tx);
      }
      return await work(client, tx);
    } catch (err) {
      if (isDbUnavailable(err)) broken = err as Error;
      throw isDbUnavailable(err) ? unavailable(location, err) : err;
    } finally {
      client.release(broken);
    }
  }
  const db = drizzlePg({ client: pool, schema }) as unknown as Db;
  // drizzle's transaction on a pool never gives the client back when its `begin` fails (an idle
  // connection the server just dropped), so pool.end() then waits forever: check one out here.
  db.transaction = ((work, config) =>
    withClient(pool, (_client, tx) => tx.transaction(work, config))) as Db['transaction'];
  /** One ingest transaction on the writer connection, COPY at hand. */
  function writeOnce<T>(work: (tx: Db, copy: CopyIn | null) => Promise<T>): Promise<T> {
    return withClient(writer, async (client, tx) => {
      await client.query('begin');
      try {
        const out = await work(tx, (statement, parts) =>
          pipeline(Readable.from(parts, { highWaterMark: 1 }), client.query(copyFrom(statement))),
        );
        await client.query('commit');
        return out;
      } catch (err) {
        // A rollback that fails means the connection broke: that error says so.
        await client.query('rollback');
        throw err;
      }
    });
  }
  let writerTail: Promise<unknown> = Promise.resolve();
  let closed = false;
  const inProcess = claimsInProcess();
  const database: Database = {
    db,
    kind: 'postgres',
    location,
    async claimImport(bootId) {
      const here = await inProcess(bootId);
      if (!here) return null;
      // A session-level advisory lock on a connection of its own: it lasts exactly as long as
      // this process keeps the connection, so a killed importer's claim ends with it.
      const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
      client.on('error', () => {});
      try {
        await client.connect();
        const r = await client.query<{ ok: boolean }>('select pg_try_advisory_lock($1, $2) as ok', [
          IMPORT_LOCK_CLASS,
          bootId,
        ]);
        if (!r.rows[0]?.ok) {
          await client.end().catch(() => {});
          await here();
          return null;
        }
      } catch (err) {
        await client.end().catch(() => {});
        await here();
        throw isDbUnavailable(err) ? unavailable(location, err) : err;
      }
      return async () => {
        await here();
        await client.end().catch(() => {});
      };
    },
    writeTransaction(work) {
      // Callers queue here, not in the pool: its connect timeout would count a long queue as
      // the server being away.
      const turn = writerTail.then(() => writeOnce(work));
      writerTail = turn.catch(() => {});
      return turn;
    },
    async ping() {
      if (closed) throw new BootwatchError('db.unavailable', 'the database connection is closed');
      try {
        await pool.query('select 1');
      } catch (err) {
        throw unavailable(location, err);
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      await Promise.all([pool.end(), writer.end()]);
    },
  };
  try {
    await database.ping();
  } catch (err) {
    await database.close().catch(() => {});
    throw err;
  }
  return database;
}

/** First key of the advisory locks that claim imports ("boot" in ASCII); the boot id is the second. */
const IMPORT_LOCK_CLASS = 0x626f6f74;

/** Claims held by this process, by boot id. */
function claimsInProcess(): Database['claimImport'] {
  const held = new Set<number>();
  return async (bootId) => {
    if (held.has(bootId)) return null;
    held.add(bootId);
    return async () => {
      held.delete(bootId);
    };
  };
}

function unavailable(location: string, err: unknown): BootwatchError {
  const why = err instanceof Error ? err.message : String(err);
  return new BootwatchError('db.unavailable', `database ${location} is unavailable: ${why}`);
}

/** `postgres://user@host:port/db` without the password, for messages and logs. */
function describeUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.username ? `${u.username}@` : ''}${u.host}${u.pathname}`;
  } catch {
    return 'postgres';
  }
}
