/**
 * `bin/bootwatch serve` and `bin/bootwatch ingest` as a user runs them: real processes,
 * the embedded database in a temp directory, a real PostgreSQL through DATABASE_URL.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseLog } from '../../../collector/parser/index.ts';
import type { BootDetail, BootSummary } from '../../../common/types/api.ts';
import { bootwatch, serve } from '../../helpers/cli-process.ts';
import { FIXTURES_DIR, fixtureBytes } from '../../helpers/fixtures.ts';
import { findPostgresBin, startPostgres, type TestPostgres } from '../../helpers/postgres.ts';
import { skipWithout } from '../../helpers/required-tool.ts';
import { build } from '../db/samples.ts';

const LOG_A = `${FIXTURES_DIR}logs/02-initrd-no-binfmt.log`;
const LOG_B = `${FIXTURES_DIR}logs/05-net-e1000.log`;

/** A port nothing listens on: bound, then released. */
function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

describe('bin/bootwatch serve and ingest', () => {
  let data: string;
  const children: ChildProcess[] = [];
  beforeAll(() => {
    data = mkdtempSync(join(tmpdir(), 'bootwatch-cli-'));
  });
  afterEach(() => {
    for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
  });
  afterAll(() => rmSync(data, { recursive: true, force: true }));

  it('ingests into the embedded database, serves it, and sends to a running collector', {
    timeout: 240_000,
  }, async () => {
    const env = { BOOTWATCH_DATA: data };
    const local = await bootwatch(['ingest', LOG_A, LOG_B, '--variant', 'ladder', '--json'], env);
    expect(local.stderr).toBe('');
    expect(local.code).toBe(0);
    const stored = local.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(stored).toEqual([
      { file: LOG_A, id: 1, outcome: parseLog(fixtureBytes('logs/02-initrd-no-binfmt.log')).outcome },
      { file: LOG_B, id: 2, outcome: parseLog(fixtureBytes('logs/05-net-e1000.log')).outcome },
    ]);

    const server = await serve(env);
    children.push(server.child);
    const boots = (await (await fetch(`${server.url}/api/boots?limit=10`)).json()) as BootSummary[];
    expect(boots.map((b) => [b.id, b.variant, b.outcome])).toEqual([
      [2, 'ladder', stored[1].outcome],
      [1, 'ladder', stored[0].outcome],
    ]);

    // The embedded database is the server's now: a second process must not open it.
    const clash = await bootwatch(['ingest', LOG_A], env);
    expect(clash.code).toBe(4);
    expect(clash.stderr).toMatch(/^bootwatch: .*in use by process .*--collector/);
    expect(clash.stderr.trim().split('\n')).toHaveLength(1);

    const buildFile = join(data, 'build.json');
    writeFileSync(buildFile, JSON.stringify(build('net')));
    const remote = await bootwatch(['ingest', LOG_B, '--collector', server.url, '--build-json', buildFile], {
      BOOTWATCH_SPOOL: join(data, 'spool'),
    });
    expect(remote.code).toBe(0);
    expect(remote.stdout).toBe(`${buildFile}: build 1 (net)\n${LOG_B}: boot 3 ${stored[1].outcome}\n`);
    const boot = (await (await fetch(`${server.url}/api/boots/3`)).json()) as BootDetail;
    expect(boot).toMatchObject({ id: 3, buildId: 1, variant: 'net', target: 'import' });

    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
  });

  it('fails in one line with the mapped exit code', { timeout: 120_000 }, async () => {
    const port = await closedPort();
    // Side by side: none of the three opens the database.
    const [missing, away, badPort] = await Promise.all([
      bootwatch(['ingest', join(data, 'nope.log')], { BOOTWATCH_DATA: data }),
      // The log is kept in the spool (in the test's directory) for `spool flush`.
      bootwatch(['ingest', LOG_A, '--collector', `http://127.0.0.1:${port}`], {
        BOOTWATCH_SPOOL: join(data, 'spool'),
      }),
      bootwatch(['serve'], { BOOTWATCH_DATA: data, PORT: 'eighty' }),
    ]);
    expect(missing).toMatchObject({ code: 2, stdout: '' });
    expect(missing.stderr).toBe(`bootwatch: ${join(data, 'nope.log')}: no such file\n`);
    expect(away.code).toBe(4);
    expect(away.stderr).toBe(
      `bootwatch: cannot reach the collector at http://127.0.0.1:${port}: ECONNREFUSED; 1 log is spooled and ` +
        `'bootwatch spool flush --collector http://127.0.0.1:${port}' sends it\n`,
    );
    expect(badPort.code).toBe(2);
    expect(badPort.stderr).toBe('bootwatch: PORT must be a TCP port number, not "eighty"\n');
  });
});

describe.skipIf(skipWithout('a PostgreSQL server (initdb, pg_ctl)', findPostgresBin() !== null))(
  'bin/bootwatch serve with DATABASE_URL',
  () => {
    const children: ChildProcess[] = [];
    afterEach(() => {
      for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
    });
    let pg: TestPostgres;
    beforeAll(async () => {
      pg = await startPostgres();
    });
    afterAll(() => pg?.dispose());

    it('serves from PostgreSQL', { timeout: 180_000 }, async () => {
      const url = await pg.createDatabase();
      const server = await serve({ DATABASE_URL: url });
      children.push(server.child);
      expect(await (await fetch(`${server.url}/api/health`)).json()).toEqual({ ok: true, db: 'postgres' });
      const sent = await bootwatch(['ingest', LOG_A, '--collector', server.url, '--json'], {});
      expect(JSON.parse(sent.stdout)).toMatchObject({
        id: 1,
        outcome: parseLog(fixtureBytes('logs/02-initrd-no-binfmt.log')).outcome,
      });
      server.child.kill('SIGTERM');
      expect(await server.exited).toBe(0);
    });
  },
);
