/**
 * WebSocket input the collector must refuse or shed: malformed ingest chunks store nothing
 * and ack nothing new; feed clients that stop reading are dropped, not buffered.
 */
import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { Database } from '../../../collector/db/client.ts';
import type { App } from '../../../collector/server/types.ts';
import { FEED_MAX_BUFFERED } from '../../../collector/server/ws/feed.ts';
import { appOn, connectWs } from '../../helpers/collector-app.ts';
import { pgliteBackend } from '../../helpers/db.ts';

let database: Database | null = null;
let app: App | null = null;
afterEach(async () => {
  await app?.close();
  await database?.close();
  app = database = null;
});

async function start(): Promise<App> {
  database = await pgliteBackend().fresh();
  app = await appOn(database);
  return app;
}

const b64 = (s: string) => Buffer.from(s).toString('base64');

describe('console ingest socket: malformed chunks', () => {
  it('answers an error for each, stores nothing and acks no further', async () => {
    const a = await start();
    const created = await a.inject({ method: 'POST', url: '/api/boots', payload: { target: 'qemu' } });
    const id = created.json().id as number;
    const s = await connectWs(a, `/api/boots/${id}/console/ws`);
    const acks: number[] = [];
    s.socket.on('message', (d) => {
      const m = JSON.parse(String(d));
      if (m.type === 'ack') acks.push(m.offset);
    });
    await s.next((m) => m.type === 'ack');
    const good = '[    0.000000] Linux version 6.1.0\n';
    s.send({ type: 'chunk', offset: 0, data: b64(good) });
    await s.next((m) => m.type === 'ack' && m.offset === good.length);

    const bad: unknown[] = [
      'not json',
      '[]',
      'null',
      '42',
      { type: 'nope' },
      { type: 'chunk', offset: good.length },
      { type: 'chunk', offset: good.length, data: 42 },
      // Buffer.from would quietly decode each of these into some bytes.
      { type: 'chunk', offset: good.length, data: `${b64('ABC')}$$$$` },
      { type: 'chunk', offset: good.length, data: 'QUJD RA==' },
      { type: 'chunk', offset: good.length, data: 'QQ' },
      { type: 'chunk', offset: good.length, data: 'QQ==QQ==' },
      { type: 'chunk', offset: good.length, data: 'QR==' },
      { type: 'chunk', offset: good.length, data: 'QUJD-_==' },
      { type: 'chunk', offset: -1, data: b64('x\n') },
      { type: 'chunk', offset: 2 ** 60, data: b64('x\n') },
      { type: 'chunk', offset: 1.5, data: b64('x\n') },
      { type: 'chunk', offset: '0', data: b64('x\n') },
      { type: 'chunk', offset: Number.MAX_SAFE_INTEGER, data: b64('x\n') },
      { type: 'finish', finish: { endReason: 'marker', durationMs: 'soon' } },
      `{"type":"finish","finish":{"endReason":"marker","checks":${'['.repeat(5000)}${']'.repeat(5000)}}}`,
    ];
    for (const m of bad) {
      s.socket.send(typeof m === 'string' ? m : JSON.stringify(m));
      const answer = await s.next((x) => x.type === 'error' || x.type === 'ack');
      expect({ sent: m, answer }).toEqual({
        sent: m,
        answer: {
          type: 'error',
          code: expect.stringMatching(/^(input\.invalid|conflict)$/),
          message: expect.any(String),
        },
      });
    }
    expect(Math.max(...acks)).toBe(good.length);

    // The stream still works, and the console holds exactly what was acked.
    const next = 'next line\n';
    s.send({ type: 'chunk', offset: good.length, data: b64(next) });
    expect(await s.next((m) => m.type === 'ack' && m.offset !== good.length)).toEqual({
      type: 'ack',
      offset: good.length + next.length,
    });
    const raw = await a.inject({ method: 'GET', url: `/api/boots/${id}/console.raw` });
    expect(raw.body).toBe(good + next);
    s.socket.close();
  });
});

/** A WebSocket upgrade on a raw socket watching boot 1 (its console comes to watchers only) that then never reads. */
function stalledClient(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const sock = connect(port, '127.0.0.1', () => {
      sock.write(
        'GET /api/feed?boot=1 HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
          'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
      );
    });
    sock.once('data', (d) => {
      if (!String(d).startsWith('HTTP/1.1 101')) reject(new Error(`no upgrade: ${String(d)}`));
      sock.pause();
      resolve(sock);
    });
    sock.on('error', () => {});
  });
}

describe('feed sockets that stop reading', () => {
  it('are dropped once they fall behind, keep server buffers bounded, and spare readers', {
    timeout: 60_000,
  }, async () => {
    const a = await start();
    await a.listen({ host: '127.0.0.1', port: 0 });
    const port = (a.server.address() as { port: number }).port;
    const stalled = await Promise.all(Array.from({ length: 20 }, () => stalledClient(port)));
    const reader = new WebSocket(`ws://127.0.0.1:${port}/api/feed?boot=1`);
    let received = 0;
    reader.on('message', () => received++);
    await new Promise((r) => reader.once('open', r));
    // 21 subscribers: wait until the server has registered them all.
    while (a.collector.feed.size < 21) await new Promise((r) => setImmediate(r));

    const text = 'x'.repeat(64 << 10);
    const message = {
      type: 'lines',
      bootId: 1,
      lines: [{ line: 1, time: null, cls: 'kernel', text }],
    } as const;
    let maxBuffered = 0;
    let published = 0;
    // Far more than socket buffers hold: 2,000 x 64 KiB = 128 MiB per socket if nothing were dropped.
    while (a.collector.feed.size > 1 && published < 2000) {
      a.collector.feed.publish(message as never);
      published++;
      for (const c of a.websocketServer.clients) maxBuffered = Math.max(maxBuffered, c.bufferedAmount);
      await new Promise((r) => setImmediate(r));
    }
    expect(a.collector.feed.size).toBe(1);
    expect(maxBuffered).toBeLessThanOrEqual(FEED_MAX_BUFFERED + 2 * text.length);
    expect(reader.readyState).toBe(WebSocket.OPEN);
    expect(received).toBeGreaterThan(0);
    reader.close();
    for (const s of stalled) s.destroy();
  });
});
