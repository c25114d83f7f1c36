/**
 * `bootwatch ingest --collector URL` as a user runs it: an Idempotency-Key from the file's
 * content and name (a repeat stores nothing twice), and a spool while the collector is away
 * that `spool flush` delivers. `bootwatch ingest` into PostgreSQL killed midway leaves a boot
 * that the next collector to start finishes as an interrupted import.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { IMPORT_INTERRUPTED } from '../../../collector/ingest/collector.ts';
import { BIN, bootwatch } from '../../helpers/cli-process.ts';
import { migratedDataDir } from '../../helpers/db.ts';
import { fixtureBytes } from '../../helpers/fixtures.ts';
import { largeLog } from '../../helpers/large-log.ts';
import { findPostgresBin, startPostgres, type TestPostgres } from '../../helpers/postgres.ts';
import { type ServeProcess, startServe } from '../../helpers/serve-process.ts';

const dirs: string[] = [];
const served: ServeProcess[] = [];
afterEach(async () => {
  for (const s of served.splice(0)) {
    s.child.kill('SIGKILL');
    await s.exited;
  }
});
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'bootwatch-ingest-'));
  dirs.push(d);
  return d;
}

/** A collector's data dir, its embedded database already made (the subject here is ingest). */
async function collectorData(): Promise<string> {
  const d = await migratedDataDir('bootwatch-ingest-collector-');
  dirs.push(d);
  return d;
}

/** The spool's entries (what `spool list` shows), read from disk. */
function spooled(dir: string): { kind: string; variant: string | null }[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((k) => k !== 'ids' && existsSync(join(dir, k, 'entry.json')))
    .map((k) => JSON.parse(readFileSync(join(dir, k, 'entry.json'), 'utf8')))
    .map((e) => ({ kind: e.kind, variant: e.input.variant ?? null }));
}

/** A port nothing listens on: bound, then released. */
function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

async function bootsOf(url: string): Promise<{ id: number; consoleBytes: number }[]> {
  return (await fetch(`${url}/api/boots?limit=100`)).json() as Promise<
    { id: number; consoleBytes: number }[]
  >;
}

describe('bootwatch ingest --collector', () => {
  it('sends an Idempotency-Key: the same file again is the same boot', { timeout: 240_000 }, async () => {
    const work = tempDir();
    const log = join(work, '03-exec-no-net.log');
    writeFileSync(log, fixtureBytes('logs/03-exec-no-net.log'));
    const server = await startServe({ BOOTWATCH_DATA: await collectorData() });
    served.push(server);
    const env = { BOOTWATCH_SPOOL: join(work, 'spool') };
    const first = await bootwatch(['ingest', log, '--collector', server.url, '--json'], env);
    expect(first.code, first.stderr).toBe(0);
    const again = await bootwatch(['ingest', log, '--collector', server.url, '--json'], env);
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout)).toEqual(JSON.parse(first.stdout));
    expect(await bootsOf(server.url)).toHaveLength(1);
    expect(spooled(env.BOOTWATCH_SPOOL)).toEqual([]);
  });

  it('spools while the collector is away and delivers on spool flush', { timeout: 240_000 }, async () => {
    const work = tempDir();
    const bytes = fixtureBytes('logs/05-net-e1000.log');
    const log = join(work, 'net.log');
    writeFileSync(log, bytes);
    const env = { BOOTWATCH_SPOOL: join(work, 'spool') };
    const away = `http://127.0.0.1:${await closedPort()}`;
    // The collector that comes back starts meanwhile, on another port: its start is no part of the story.
    const [sent, server] = await Promise.all([
      bootwatch(['ingest', log, '--collector', away, '--variant', 'net'], env),
      collectorData().then((data) => startServe({ BOOTWATCH_DATA: data })),
    ]);
    served.push(server);
    expect(sent.code).toBe(4);
    expect(sent.stdout).toContain(`${log}: spooled`);
    expect(sent.stderr).toMatch(/spooled.*spool flush/);
    expect(spooled(env.BOOTWATCH_SPOOL)).toEqual([{ kind: 'log', variant: 'net' }]);

    const flushed = await bootwatch(['spool', 'flush', '--collector', server.url], env);
    expect(flushed.code, flushed.stderr).toBe(0);
    expect(flushed.stdout).toContain('delivered 1, left 0');
    const [boot] = await bootsOf(server.url);
    const raw = Buffer.from(
      await (await fetch(`${server.url}/api/boots/${boot.id}/console.raw`)).arrayBuffer(),
    );
    expect(raw.equals(bytes)).toBe(true);
    // The same key as the spooled send: sending the file again finds that boot.
    const again = await bootwatch(
      ['ingest', log, '--collector', server.url, '--variant', 'net', '--json'],
      env,
    );
    expect(JSON.parse(again.stdout).id).toBe(boot.id);
    expect(await bootsOf(server.url)).toHaveLength(1);
  });
});

const hasPostgres = findPostgresBin() !== null;
if (!hasPostgres && process.env.CI)
  throw new Error('CI needs PostgreSQL for the fault tests: install postgresql');

describe.runIf(hasPostgres)('bootwatch ingest into PostgreSQL, killed midway', () => {
  let server: TestPostgres | null = null;
  afterAll(() => server?.dispose());

  it('leaves a boot the next collector finishes as interrupted', { timeout: 180_000 }, async () => {
    server = await startPostgres();
    const url = await server.createDatabase();
    const work = tempDir();
    const log = join(work, 'big.log');
    writeFileSync(log, largeLog(24 << 20));
    const child = spawn(BIN, ['ingest', log], {
      env: { ...process.env, DATABASE_URL: url },
      stdio: 'ignore',
    });
    const exited = new Promise((resolve) => child.on('close', resolve));

    // Watch the database until part of the log is stored, then kill the importer.
    const db = new pg.Client({ connectionString: url });
    await db.connect();
    try {
      for (;;) {
        const r = await db
          .query<{ id: number; console_bytes: string }>(
            "select id, console_bytes from boots where target = 'import' and state = 'running'",
          )
          .catch(() => ({ rows: [] }));
        if (r.rows.length && Number(r.rows[0].console_bytes) > 0) break;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    } finally {
      await db.end();
    }
    child.kill('SIGKILL');
    await exited;

    const collector = await startServe({ DATABASE_URL: url });
    served.push(collector);
    for (;;) {
      const [boot] = await bootsOf(collector.url);
      const detail = await (await fetch(`${collector.url}/api/boots/${boot.id}`)).json();
      if (detail.state === 'finished') {
        expect(detail).toMatchObject({
          outcome: 'error',
          endReason: 'harness_error',
          harnessError: IMPORT_INTERRUPTED,
        });
        break;
      }
      // Recovery runs in the background at start: poll until it is done.
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  });
});
