/**
 * Tokens as a team uses them: `bin/bootwatch token create|list|revoke` against the database a
 * running `serve` uses (the embedded one through the collector's control socket, and a real
 * PostgreSQL), auth on by default beyond loopback, and a revoked token refused at once.
 */
import type { ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { bootwatch, serve } from '../../helpers/cli-process.ts';
import { migratedDataDir } from '../../helpers/db.ts';
import { findPostgresBin, startPostgres, type TestPostgres } from '../../helpers/postgres.ts';
import { skipWithout } from '../../helpers/required-tool.ts';

const children: ChildProcess[] = [];
const dirs: string[] = [];
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
});
afterAll(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A data dir with its embedded database already made: the subject here is tokens, not the first start. */
async function dataDir(): Promise<string> {
  const d = await migratedDataDir('bootwatch-tokens-');
  dirs.push(d);
  return d;
}

const get = (url: string, secret?: string) =>
  fetch(url, { headers: secret ? { authorization: `Bearer ${secret}` } : {} });

/** The token lifecycle against a running collector whose database `env` names. */
async function lifecycle(env: Record<string, string | undefined>): Promise<void> {
  const server = await serve({ ...env, HOST: '127.0.0.1', BOOTWATCH_AUTH: 'on' });
  children.push(server.child);
  expect(server.stderr()).toMatch(/auth on/);
  expect((await get(`${server.url}/api/boots`)).status).toBe(401);
  expect((await get(`${server.url}/api/health`)).status).toBe(200);

  const made = await bootwatch(['token', 'create', '--name', 'lab-runner', '--scope', 'submit'], env);
  expect(made.code, made.stderr).toBe(0);
  const lines = made.stdout.trimEnd().split('\n');
  const secret = lines[lines.length - 1];
  expect(secret).toMatch(/^bw_[A-Za-z0-9_-]{43}$/);
  expect(made.stderr).toMatch(/shown once/);

  const created = await fetch(`${server.url}/api/boots`, {
    method: 'POST',
    headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
    body: JSON.stringify({ target: 'qemu', variant: 'v1' }),
  });
  expect(created.status).toBe(201);
  const { id } = (await created.json()) as { id: number };
  const boot = (await (await get(`${server.url}/api/boots/${id}`, secret)).json()) as { submittedBy: string };
  expect(boot.submittedBy).toBe('lab-runner');

  // Side by side: both are refused.
  const [twice, badScope] = await Promise.all([
    bootwatch(['token', 'create', '--name', 'lab-runner', '--scope', 'read'], env),
    bootwatch(['token', 'create', '--name', 'x', '--scope', 'root'], env),
  ]);
  expect(twice.code).toBe(5);
  expect(twice.stderr).toMatch(/exists/);
  expect(badScope.code).toBe(2);

  const list = await bootwatch(['token', 'list', '--json'], env);
  expect(list.code, list.stderr).toBe(0);
  const tokens = JSON.parse(list.stdout) as { name: string; scope: string; lastUsedAt: string | null }[];
  expect(tokens).toHaveLength(1);
  expect(tokens[0]).toMatchObject({ name: 'lab-runner', scope: 'submit' });
  expect(tokens[0].lastUsedAt).not.toBeNull();
  expect(list.stdout).not.toContain(secret);

  const revoked = await bootwatch(['token', 'revoke', 'lab-runner'], env);
  expect(revoked.code, revoked.stderr).toBe(0);
  expect((await get(`${server.url}/api/boots`, secret)).status).toBe(401);
  expect((await bootwatch(['token', 'revoke', 'lab-runner'], env)).code).not.toBe(0);
}

describe('bin/bootwatch token', () => {
  it('makes, lists and revokes tokens of the embedded database while serve runs', {
    timeout: 180_000,
  }, async () => {
    await lifecycle({ BOOTWATCH_DATA: await dataDir() });
  });

  describe('on PostgreSQL', () => {
    if (skipWithout('PostgreSQL', findPostgresBin() !== null)) return;
    let pg: TestPostgres;
    beforeAll(async () => {
      pg = await startPostgres();
    });
    afterAll(() => pg?.dispose());
    it('makes, lists and revokes tokens while serve runs', { timeout: 180_000 }, async () => {
      await lifecycle({ DATABASE_URL: await pg.createDatabase() });
    });
  });

  it('turns auth on by itself beyond loopback, and warns when told to turn it off there', {
    timeout: 120_000,
  }, async () => {
    const data = await dataDir();
    const open = await serve({ BOOTWATCH_DATA: data, HOST: '0.0.0.0', BOOTWATCH_AUTH: undefined });
    children.push(open.child);
    expect(open.stderr()).toMatch(/auth on/);
    const port = new URL(open.url).port;
    expect(Number(port)).toBeGreaterThan(0);
    expect((await get(`http://127.0.0.1:${port}/api/boots`)).status).toBe(401);
    open.child.kill('SIGTERM');
    await open.exited;

    const off = await serve({ BOOTWATCH_DATA: data, HOST: '0.0.0.0', BOOTWATCH_AUTH: 'off' });
    children.push(off.child);
    expect(off.stderr()).toMatch(/WARNING: auth is OFF/);
  });
});
