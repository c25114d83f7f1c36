/**
 * A chain of queries must leave the event loop to sockets between its queries: PGlite
 * answers on this thread without I/O, so a finished boot's analysis (dozens of queries) held
 * every socket until it was done, the verdict answer to an in-process runner among them.
 * A real socket on 127.0.0.1 carries bytes that are already waiting when the chain starts.
 */
import { once } from 'node:events';
import { type AddressInfo, connect, createServer, type Socket } from 'node:net';
import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { backends, freshDatabases } from '../../helpers/db.ts';

/** A connected client/server socket pair on 127.0.0.1. */
async function socketPair(): Promise<{ client: Socket; server: Socket; close(): void }> {
  const srv = createServer();
  srv.listen(0, '127.0.0.1');
  await once(srv, 'listening');
  const accepted = once(srv, 'connection');
  const client = connect((srv.address() as AddressInfo).port, '127.0.0.1');
  const [server] = (await accepted) as [Socket];
  await once(client, 'connect');
  return {
    client,
    server,
    close() {
      client.destroy();
      server.destroy();
      srv.close();
    },
  };
}

describe.each(backends())('event loop turns on $name', (backend) => {
  const fresh = freshDatabases(backend);

  it('reads a socket between the queries of a chain, not after it', async () => {
    const database = await fresh();
    const { client, server, close } = await socketPair();
    try {
      const order: string[] = [];
      client.on('data', () => order.push('answer read'));
      // The answer is in the kernel's buffer before the chain starts.
      await new Promise<void>((r, j) => server.write('finished', (err) => (err ? j(err) : r())));
      for (let i = 0; i < 20; i++) await database.db.execute(sql`select count(*) from boots`);
      order.push('chain done');
      expect(order).toEqual(['answer read', 'chain done']);
      // Transactions too.
      const inTx: string[] = [];
      client.removeAllListeners('data');
      client.on('data', () => inTx.push('answer read'));
      await new Promise<void>((r, j) => server.write('again', (err) => (err ? j(err) : r())));
      for (let i = 0; i < 20; i++) await database.db.transaction((tx) => tx.execute(sql`select 1`));
      inTx.push('chain done');
      expect(inTx).toEqual(['answer read', 'chain done']);
    } finally {
      close();
    }
  });
});
