/**
 * The embedded database is one WASM thread in the collector's own event loop: a large log
 * import commits in small steps and yields between them, so a real client's other requests
 * are answered while it runs, not after it. A real `serve` process, real sockets.
 */

import { rmSync } from 'node:fs';
import { request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { migratedDataDir } from '../../helpers/db.ts';
import { largeLog } from '../../helpers/large-log.ts';
import { type ServeProcess, startServe } from '../../helpers/serve-process.ts';

let serve: ServeProcess | null = null;
let dir: string | null = null;
afterEach(async () => {
  serve?.child.kill('SIGKILL');
  await serve?.exited;
  if (dir) rmSync(dir, { recursive: true, force: true });
  serve = dir = null;
});

/** POSTs `body` with node:http (no client-side timeout); resolves with the status. */
function post(url: string, body: Buffer): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: 'POST', headers: { 'content-type': 'application/octet-stream' } },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

describe('a large import on the embedded database', () => {
  it('lets other requests in while it runs', { timeout: 360_000 }, async () => {
    dir = await migratedDataDir('bootwatch-readers-');
    serve = await startServe({ BOOTWATCH_DATA: dir });
    const base = serve.url;
    const feed = new WebSocket(`${base.replace(/^http/, 'ws')}/api/feed`);
    const started = new Promise<number>((resolve, reject) => {
      feed.on('message', (data) => {
        const m = JSON.parse(String(data));
        if (m.type === 'boot' && m.state === 'started') resolve(m.bootId);
      });
      feed.on('error', reject);
    });
    await new Promise((resolve) => feed.once('open', resolve));

    const log = largeLog(40 << 20);
    const order: string[] = [];
    const importing = post(`${base}/api/logs`, log).then((status) => {
      order.push('import');
      return status;
    });
    // The boot exists: the import is storing now.
    const bootId = await started;
    const reads = ['/api/health', '/api/boots?limit=5'].map(async (path) => {
      const res = await fetch(`${base}${path}`);
      order.push(path);
      return res.status;
    });
    expect(await Promise.all(reads)).toEqual([200, 200]);
    expect(await importing).toBe(201);
    expect(order).toEqual([expect.stringMatching(/^\/api\//), expect.stringMatching(/^\/api\//), 'import']);
    feed.close();
    const boot = await (await fetch(`${base}/api/boots/${bootId}`)).json();
    expect(boot).toMatchObject({ state: 'finished', consoleBytes: log.length });
  });
});
