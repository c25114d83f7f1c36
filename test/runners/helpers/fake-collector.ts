/**
 * A stand-in collector speaking the agreed ingest routes, in memory, that can be stopped
 * and restarted on the same port; it checks offsets strictly, so a lost or doubled byte
 * shows up. Used until (and alongside) the real collector for the spool tests.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';

export interface StoredBoot {
  id: number;
  input: Record<string, unknown>;
  console: Buffer;
  finish: Record<string, unknown> | null;
  /** Chunks that did not start where the stored console ended. */
  badOffsets: number;
}

export interface FakeCollector {
  url: string;
  port: number;
  builds: Record<string, unknown>[];
  boots: Map<number, StoredBoot>;
  stop(): Promise<void>;
  start(): Promise<void>;
}

async function body(req: IncomingMessage): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of req) parts.push(c as Buffer);
  return Buffer.concat(parts);
}

export async function startFakeCollector(port = 0): Promise<FakeCollector> {
  const builds: Record<string, unknown>[] = [];
  const boots = new Map<number, StoredBoot>();
  const byKey = new Map<string, number>();
  let server: Server | null = null;
  let wss: WebSocketServer | null = null;

  const append = (b: StoredBoot, offset: number, data: Buffer) => {
    if (offset > b.console.length) {
      b.badOffsets++;
      return;
    }
    const fresh = data.subarray(b.console.length - offset);
    b.console = Buffer.concat([b.console, fresh]);
  };

  const handle = async (req: IncomingMessage, res: import('node:http').ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const send = (code: number, obj: unknown) => {
      res.writeHead(code, { 'content-type': 'application/json' });
      res.end(JSON.stringify(obj));
    };
    const raw = await body(req);
    const m = url.pathname.match(/^\/api\/boots\/(\d+)\/(console|finish)$/);
    if (url.pathname === '/api/health') return send(200, { ok: true, db: 'pglite' });
    if (url.pathname === '/api/builds' && req.method === 'POST') {
      builds.push(JSON.parse(raw.toString()));
      return send(201, { id: builds.length });
    }
    if (url.pathname === '/api/builds/progress') return send(202, {});
    if (url.pathname === '/api/boots' && req.method === 'POST') {
      const input = JSON.parse(raw.toString());
      const known = input.idempotencyKey ? byKey.get(input.idempotencyKey) : undefined;
      if (known) return send(200, { id: known });
      const id = boots.size + 1;
      boots.set(id, { id, input, console: Buffer.alloc(0), finish: null, badOffsets: 0 });
      if (input.idempotencyKey) byKey.set(input.idempotencyKey, id);
      return send(201, { id });
    }
    if (url.pathname === '/api/boots' && req.method === 'GET') {
      return send(
        200,
        [...boots.values()].reverse().map((b) => ({
          id: b.id,
          variant: b.input.variant ?? null,
          outcome: b.finish ? 'booted' : 'stalled',
        })),
      );
    }
    const b = m ? boots.get(Number(m[1])) : undefined;
    if (m && b && m[2] === 'console') {
      append(b, Number(url.searchParams.get('offset') ?? 0), raw);
      return send(200, { offset: b.console.length });
    }
    if (m && b && m[2] === 'finish') {
      b.finish = JSON.parse(raw.toString());
      return send(200, { outcome: 'booted' });
    }
    send(404, { code: 'not_found' });
  };

  const fc: FakeCollector = {
    url: '',
    port,
    builds,
    boots,
    async start() {
      server = createServer((req, res) => void handle(req, res));
      wss = new WebSocketServer({ noServer: true });
      server.on('upgrade', (req, socket, head) => {
        const m = (req.url ?? '').match(/^\/api\/boots\/(\d+)\/console\/ws$/);
        const b = m ? boots.get(Number(m[1])) : undefined;
        if (!b) return socket.destroy();
        wss!.handleUpgrade(req, socket, head, (ws) => {
          ws.send(JSON.stringify({ type: 'ack', offset: b.console.length }));
          ws.on('message', (data) => {
            const msg = JSON.parse(data.toString());
            if (msg.type === 'chunk') {
              append(b, msg.offset, Buffer.from(msg.data, 'base64'));
              ws.send(JSON.stringify({ type: 'ack', offset: b.console.length }));
            } else if (msg.type === 'finish') {
              b.finish = msg.finish;
              ws.send(JSON.stringify({ type: 'finished', outcome: 'booted' }));
            }
          });
        });
      });
      await new Promise<void>((r) => server!.listen(fc.port, '127.0.0.1', () => r()));
      fc.port = (server.address() as AddressInfo).port;
      fc.url = `http://127.0.0.1:${fc.port}`;
    },
    async stop() {
      for (const c of wss?.clients ?? []) c.terminate();
      wss?.close();
      server?.closeAllConnections();
      await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
      server = null;
    },
  };
  await fc.start();
  return fc;
}
