/**
 * Fresh databases for tests, each with the real migrations and its own seed: an in-memory
 * PGlite loaded from a migrated template (fast), or a new database on a throwaway
 * PostgreSQL server cloned from a migrated template database.
 */
import { createHash } from 'node:crypto';
import {
  cpSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { type Database, MIGRATIONS_DIR, openDatabase } from '../../collector/db/client.ts';
import { Collector } from '../../collector/ingest/collector.ts';
import { fromRoot } from '../../common/repo-root.ts';
import type { BootTarget, BuildInput } from '../../common/types/ingest.ts';
import { findPostgresBin, startPostgres, type TestPostgres } from './postgres.ts';

const PGLITE_PACKAGE = fromRoot('node_modules', '@electric-sql', 'pglite', 'package.json');
let pgliteTemplate: Promise<Blob> | null = null;

/**
 * The migrated template as a data-dir dump, cached on disk by migrations + PGlite version:
 * creating a PGlite cluster takes seconds, loading a dump a fraction of that.
 */
async function templateDump(): Promise<Blob> {
  const file = join(tmpdir(), `bootwatch-pglite-template-${templateKey()}.tar`);
  if (existsSync(file)) return new Blob([readFileSync(file)]);
  const client = new PGlite();
  const template = await openDatabase({ pglite: client });
  const blob = await client.dumpDataDir('none');
  await template.close();
  const tmp = `${file}.${process.pid}`;
  writeFileSync(tmp, Buffer.from(await blob.arrayBuffer()));
  renameSync(tmp, file);
  return blob;
}

/** What a migrated template depends on: PGlite's version and every migration file. */
function templateKey(): string {
  const hash = createHash('sha256').update(readFileSync(PGLITE_PACKAGE));
  for (const f of readdirSync(MIGRATIONS_DIR, { recursive: true, encoding: 'utf8' }).sort()) {
    const path = join(MIGRATIONS_DIR, f);
    if (statSync(path).isFile()) hash.update(f).update(readFileSync(path));
  }
  return hash.digest('hex').slice(0, 16);
}

/** The migrated template as an on-disk embedded database directory, made once from the dump. */
async function templateDataDir(): Promise<string> {
  const dir = join(tmpdir(), `bootwatch-pglite-datadir-${templateKey()}`);
  if (existsSync(dir)) return dir;
  const tmp = mkdtempSync(`${dir}.`);
  const client = new PGlite(tmp, { loadDataDir: await templateDump() });
  await client.waitReady;
  await client.close();
  try {
    renameSync(tmp, dir);
  } catch (err) {
    // Another test process made it first: theirs is the same.
    rmSync(tmp, { recursive: true, force: true });
    if (!existsSync(dir)) throw err;
  }
  return dir;
}

/**
 * A new BOOTWATCH_DATA directory whose embedded database is already created and migrated, for
 * tests whose subject is not the first start on an empty directory: creating one (PGlite's
 * initdb and every migration, in WASM) takes 10-50 s on CI's loaded cores, this copy well under one.
 */
export async function migratedDataDir(prefix = 'bw-data-'): Promise<string> {
  const template = await templateDataDir();
  const dir = mkdtempSync(join(tmpdir(), prefix));
  cpSync(template, join(dir, 'pglite'), { recursive: true });
  return dir;
}

/** A fresh in-memory PGlite with the real migrations, loaded from the template. */
export async function freshPglite(): Promise<Database> {
  pgliteTemplate ??= templateDump();
  const pglite = new PGlite({ loadDataDir: await pgliteTemplate });
  return openDatabase({ pglite, migrate: false });
}

export interface Seed {
  builds?: BuildInput[];
  /** Logs imported as finished boots, in order. */
  logs?: { bytes: Uint8Array; variant?: string; target?: BootTarget; buildId?: number }[];
}

export interface Seeded {
  database: Database;
  buildIds: number[];
  bootIds: number[];
}

/** Stores the seed through the collector's own write path. */
async function seed(database: Database, s: Seed = {}): Promise<Seeded> {
  const c = new Collector(database);
  const buildIds: number[] = [];
  const bootIds: number[] = [];
  for (const b of s.builds ?? []) buildIds.push(await c.recordBuild(b));
  for (const l of s.logs ?? [])
    bootIds.push(
      (await c.importLog(l.bytes, { variant: l.variant, target: l.target, buildId: l.buildId })).id,
    );
  return { database, buildIds, bootIds };
}

/** A storage backend the suites run against. */
export interface Backend {
  name: 'pglite' | 'postgres';
  /** False when the backend cannot run here (no PostgreSQL installed outside CI). */
  available: boolean;
  setup(): Promise<void>;
  teardown(): Promise<void>;
  /** A fresh, migrated, empty database. */
  fresh(): Promise<Database>;
  /** The throwaway server (postgres only), to stop and restart it. */
  server(): TestPostgres | null;
}

/** Creates a fresh database for a test, with its own seed. */
export async function createTestDb(backend: Backend, s: Seed = {}): Promise<Seeded> {
  return seed(await backend.fresh(), s);
}

export function pgliteBackend(): Backend {
  return {
    name: 'pglite',
    available: true,
    async setup() {},
    async teardown() {},
    fresh: freshPglite,
    server: () => null,
  };
}

function postgresBackend(): Backend {
  let server: TestPostgres | null = null;
  const template = 'bootwatch_template';
  const available = findPostgresBin() !== null;
  // CI must run both backends: a missing server there is a failure, not a skip.
  if (!available && process.env.CI)
    throw new Error('CI needs PostgreSQL for the storage tests: install postgresql');
  return {
    name: 'postgres',
    available,
    async setup() {
      server = await startPostgres();
      await server.admin(`create database ${template}`);
      const url = server.url.replace(/\/postgres$/, `/${template}`);
      const migrated = await openDatabase({ url });
      await migrated.close();
    },
    async teardown() {
      server?.dispose();
      server = null;
    },
    async fresh() {
      if (!server) throw new Error('postgres backend: setup() first');
      server.start();
      return openDatabase({ url: await server.createDatabase(template) });
    },
    server: () => server,
  };
}

/** PGlite and, where PostgreSQL is installed (always in CI), a real server: for `describe.each`. */
export function backends(): Backend[] {
  const pgBackend = postgresBackend();
  if (!pgBackend.available) console.warn('PostgreSQL is not installed: storage tests run on PGlite only');
  return pgBackend.available ? [pgliteBackend(), pgBackend] : [pgliteBackend()];
}

/**
 * A suite's hooks on `backend`: its server up for the suite, each database that the returned
 * function opens closed after its test.
 */
export function freshDatabases(backend: Backend): () => Promise<Database> {
  let open: Database[] = [];
  beforeAll(() => backend.setup());
  afterAll(() => backend.teardown());
  afterEach(async () => {
    for (const database of open) await database.close();
    open = [];
  });
  return async () => {
    const database = await backend.fresh();
    open.push(database);
    return database;
  };
}
