/**
 * A pooled connection the server dropped while it sat idle (a restart, a proxy's timeout) is
 * found out only by the next query. When that query is a transaction's `begin`, the client
 * must still go back to the pool, discarded: drizzle's own pool transaction kept it checked
 * out, and closing the collector then waited forever (CI hung there once the server had been
 * stopped and started under load). A TCP proxy in front of a real server drops connections
 * silently, on cue.
 */
import { connect, createServer, type Server, type Socket } from 'node:net';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Database, openDatabase } from '../../../collector/db/client.ts';
import { findPostgresBin, startPostgres, type TestPostgres } from '../../helpers/postgres.ts';

/** Forwards to `port`; `drop()` closes the server side of every open connection and leaves the client side silent until it writes. */
async function silentDropProxy(
  port: number,
): Promise<{ port: number; drop(): void; close(): void; server: Server }> {
  const pairs = new Set<{ client: Socket; upstream: Socket }>();
  const server = createServer((client) => {
    const upstream = connect(port, '127.0.0.1');
    const pair = { client, upstream };
    pairs.add(pair);
    client.pipe(upstream);
    upstream.pipe(client);
    const end = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end);
    upstream.on('error', end);
    client.on('close', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as { port: number }).port,
    server,
    drop() {
      for (const pair of [...pairs]) {
        pairs.delete(pair);
        const { client, upstream } = pair;
        client.unpipe(upstream);
        upstream.unpipe(client);
        upstream.removeAllListeners('error');
        upstream.on('error', () => {});
        upstream.destroy();
        // The client learns of it only when it next sends something.
        client.removeAllListeners('data');
        client.once('data', () => client.destroy());
        client.resume();
      }
    },
    close() {
      for (const { client, upstream } of pairs) {
        client.destroy();
        upstream.destroy();
      }
      server.close();
    },
  };
}

/** Resolves with `p`, or rejects once `ms` passed: a hang shows as a failure, not a stuck run. */
function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  return Promise.race([
    p,
    new Promise<T>((_, reject) =>
      setTimeout(() => reject(new Error(`${what} did not finish in ${ms} ms`)), ms),
    ),
  ]);
}

describe.skipIf(!findPostgresBin() && !process.env.CI)('a connection dropped while idle', () => {
  let server: TestPostgres;
  let proxy: Awaited<ReturnType<typeof silentDropProxy>>;
  let database: Database;
  beforeAll(async () => {
    server = await startPostgres();
    proxy = await silentDropProxy(server.port);
    database = await openDatabase({ url: server.url.replace(`:${server.port}/`, `:${proxy.port}/`) });
  });
  afterAll(() => {
    proxy?.close();
    server?.dispose();
  });

  it('fails the transaction as the database being away, and the next one gets a fresh connection', async () => {
    const select = async (tx: Database['db']) =>
      (await tx.execute(sql`select 41 + 1 as n`)) as { rows: unknown[] };
    await database.db.transaction(select);
    proxy.drop();
    await expect(database.db.transaction(select)).rejects.toMatchObject({ code: 'db.unavailable' });
    const again = await database.db.transaction(select);
    expect(again.rows).toEqual([{ n: 42 }]);
  });

  it('does the same for an ingest write', async () => {
    const write = async (tx: Database['db']) =>
      (await tx.execute(sql`select 1 as one`)) as { rows: unknown[] };
    await database.writeTransaction(write);
    proxy.drop();
    await expect(database.writeTransaction(write)).rejects.toMatchObject({ code: 'db.unavailable' });
    expect((await database.writeTransaction(write)).rows).toEqual([{ one: 1 }]);
  });

  it('then closes: no connection was left checked out', async () => {
    await within(database.close(), 10_000, 'closing the database');
  });
});
