/**
 * `bootwatch subscribe` against a real `serve` with auth on: each token adds, lists and
 * removes its own subscriptions; another token's is not there for it; bad input exits 2.
 */
import { rmSync } from 'node:fs';
import { afterAll, expect, it } from 'vitest';
import { bootwatch, type Served, serve } from '../helpers/cli-process.ts';
import { migratedDataDir } from '../helpers/db.ts';

let dir = '';
let served: Served | null = null;
afterAll(async () => {
  served?.child.kill('SIGTERM');
  await served?.exited;
  if (dir) rmSync(dir, { recursive: true, force: true });
});

it('adds, lists and removes subscriptions as the token that owns them', { timeout: 240_000 }, async () => {
  dir = await migratedDataDir('bw-subscribe-');
  const env = { BOOTWATCH_DATA: dir, BOOTWATCH_AUTH: 'on', HOST: '127.0.0.1' };
  served = await serve(env);
  const token = async (name: string) => {
    const r = await bootwatch(['token', 'create', '--name', name, '--scope', 'submit'], env);
    expect(r.code, r.stderr).toBe(0);
    return r.stdout.trim().split('\n').at(-1)!;
  };
  // Side by side (through the running collector's control socket): each is a CLI start.
  const [aliceToken, bobToken] = await Promise.all([token('alice'), token('bob')]);
  const alice = { ...env, BOOTWATCH_TOKEN: aliceToken };
  const bob = { ...env, BOOTWATCH_TOKEN: bobToken };
  const at = ['--collector', served.url];

  const added = await bootwatch(
    [
      'subscribe',
      'add',
      ...at,
      '--name',
      'exec owners',
      '--event',
      'regression,issue_new',
      '--event',
      'boot_fixed',
    ].concat(['--channel', 'webhook', '--to', 'https://hooks.example.org/x', '--variant', 'exec*']),
    alice,
  );
  expect(added.code, added.stderr).toBe(0);
  expect(added.stdout).toMatch(
    /^#1 {2}exec owners {2}regression,issue_new,boot_fixed {2}webhook https:\/\/hooks\.example\.org\/x {2}variants exec\* {2}by alice\n/,
  );
  const secret = /^(whsec_\S+)$/m.exec(added.stdout)?.[1];
  expect(secret).toBeDefined();

  // Side by side: reads, and writes that are refused.
  const [mine, theirs, refused, bad, anonymous] = await Promise.all([
    bootwatch(['subscribe', 'list', ...at, '--json'], alice),
    bootwatch(['subscribe', 'list', ...at, '--json'], bob),
    bootwatch(['subscribe', 'remove', '1', ...at], bob),
    bootwatch(
      [
        'subscribe',
        'add',
        ...at,
        '--name',
        'x',
        '--event',
        'regression',
        '--channel',
        'slack',
        '--to',
        'ftp://x/',
      ],
      alice,
    ),
    bootwatch(['subscribe', 'list', ...at], env),
  ]);
  expect(JSON.parse(mine.stdout).map((s: { name: string }) => s.name)).toEqual(['exec owners']);
  expect(mine.stdout).not.toContain(secret!);
  expect(JSON.parse(theirs.stdout)).toEqual([]);
  expect(refused.code).not.toBe(0);
  expect(refused.stderr).toContain('no subscription with id 1');
  expect(bad.code).toBe(2);
  expect(bad.stderr).toContain('must be an http(s) URL');
  expect(anonymous.code).toBe(7);

  const removed = await bootwatch(['subscribe', 'remove', '1', ...at], alice);
  expect(removed.code, removed.stderr).toBe(0);
  expect(JSON.parse((await bootwatch(['subscribe', 'list', ...at, '--json'], alice)).stdout)).toEqual([]);
});
