/**
 * The CSRF lab: a page served from another origin (127.0.0.2 is another site; another port on
 * 127.0.0.1 is the same site but another origin, so SameSite cookies do travel) that tries what a
 * hostile page can against a collector: simple-request fetches, form posts, WebSockets.
 */
import { createServer, type Server } from 'node:http';
import type { Page } from 'playwright-core';

export interface ForeignSite {
  url: string;
  close(): Promise<void>;
}

const PAGE = '<!doctype html><meta charset="utf-8"><title>elsewhere</title><h1>Nothing to see here</h1>';

/** An HTTP server on `host` (port chosen by the system) that serves an innocent page at every path. */
export async function startForeignSite(host: string): Promise<ForeignSite> {
  const server: Server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(PAGE);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => resolve());
  });
  const addr = server.address();
  if (!addr || typeof addr !== 'object') throw new Error('foreign site has no address');
  return {
    url: `http://${host}:${addr.port}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** What a socket did: `opened` is the failure the tests look for. */
export type SocketResult = 'opened' | `closed:${number}` | 'pending' | `error:${string}`;

export interface AttackResults {
  /** Per attempt: the response type the page saw (`opaque` for no-cors), or why it failed. */
  fetches: Record<string, string>;
  /** Per form post: whether its target frame loaded (the request went out) or timed out. */
  forms: Record<string, string>;
  sockets: Record<string, SocketResult>;
}

export interface AttackTarget {
  /** The collector's base URL, e.g. http://127.0.0.1:8080 */
  base: string;
  /** A boot that exists, for its console ingest socket. */
  bootId: number;
  /** Console text to smuggle in. */
  log: string;
}

/** Opens a WebSocket from `page`, sends `send` if it opens; resolves with what happened. */
export function openSocket(page: Page, url: string, send?: string): Promise<SocketResult> {
  return page.evaluate(
    ({ url, send }) =>
      new Promise<SocketResult>((resolve) => {
        let ws: WebSocket;
        try {
          ws = new WebSocket(url);
        } catch (e) {
          resolve(`error:${(e as Error).message}`);
          return;
        }
        const timer = setTimeout(() => {
          ws.close();
          resolve('pending');
        }, 8000);
        ws.onopen = () => {
          clearTimeout(timer);
          if (send) ws.send(send);
          // Give the server time to store what was sent before the socket goes.
          setTimeout(() => {
            resolve('opened');
            ws.close();
          }, 500);
        };
        ws.onclose = (e) => {
          clearTimeout(timer);
          resolve(`closed:${e.code}`);
        };
      }),
    { url, send },
  );
}

/** Every cross-site write a page can attempt without the collector's help, run inside `page`. */
export async function attack(page: Page, t: AttackTarget): Promise<AttackResults> {
  const ws = t.base.replace(/^http/, 'ws');
  const chunk = JSON.stringify({ type: 'chunk', offset: 0, data: Buffer.from(t.log).toString('base64') });
  const base = await page.evaluate(
    async ({ base, log }) => {
      const fetches: Record<string, string> = {};
      const forms: Record<string, string> = {};
      const tryFetch = async (name: string, url: string, init: RequestInit) => {
        try {
          const r = await fetch(url, { credentials: 'include', ...init });
          fetches[name] = r.type === 'opaque' ? 'opaque' : `status:${r.status}`;
        } catch (e) {
          fetches[name] = `blocked:${(e as Error).message}`;
        }
      };
      const json = (variantName: string) => JSON.stringify({ target: 'qemu', variant: variantName });
      // Simple requests: no preflight, so they reach the collector; only the collector can refuse them.
      await tryFetch('POST /api/logs text/plain', `${base}/api/logs?variant=csrf-fetch&target=import`, {
        method: 'POST',
        mode: 'no-cors',
        headers: { 'content-type': 'text/plain' },
        body: log,
      });
      await tryFetch('POST /api/boots text/plain JSON', `${base}/api/boots`, {
        method: 'POST',
        mode: 'no-cors',
        headers: { 'content-type': 'text/plain' },
        body: json('csrf-fetch'),
      });
      // Not simple (JSON, DELETE): the browser asks first (preflight) and the collector does not allow it;
      // PUT routes (baselines, bisections) are out of a cross-site page's reach the same way.
      await tryFetch('POST /api/boots application/json (cors)', `${base}/api/boots`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: json('csrf-json'),
      });
      await tryFetch('DELETE /api/session (cors)', `${base}/api/session`, { method: 'DELETE' });

      const submit = (name: string, action: string, enctype: string, fields: Record<string, string>) =>
        new Promise<void>((resolve) => {
          const frame = document.createElement('iframe');
          frame.name = `sink${Object.keys(forms).length}${Math.random().toString(36).slice(2)}`;
          document.body.append(frame);
          const form = document.createElement('form');
          form.method = 'POST';
          form.action = action;
          form.enctype = enctype;
          form.target = frame.name;
          for (const [k, v] of Object.entries(fields)) {
            const input = document.createElement('input');
            input.type = 'hidden';
            input.name = k;
            input.value = v;
            form.append(input);
          }
          document.body.append(form);
          const timer = setTimeout(() => {
            forms[name] = 'timeout';
            resolve();
          }, 5000);
          frame.addEventListener(
            'load',
            () => {
              clearTimeout(timer);
              forms[name] = 'sent';
              resolve();
            },
            { once: true },
          );
          form.submit();
        });
      const urlencoded = 'application/x-www-form-urlencoded';
      const multipart = 'multipart/form-data';
      await submit('boots urlencoded', `${base}/api/boots`, urlencoded, {
        target: 'qemu',
        variant: 'csrf-form',
      });
      await submit('boots multipart', `${base}/api/boots`, multipart, {
        target: 'qemu',
        variant: 'csrf-form',
      });
      // The text/plain form that spells JSON: name `{"target":"qemu",…,"x":"` = value `"}`.
      await submit('boots text/plain JSON', `${base}/api/boots`, 'text/plain', {
        '{"target":"qemu","variant":"csrf-form","x":"': '"}',
      });
      await submit('logs urlencoded', `${base}/api/logs?variant=csrf-form&target=import`, urlencoded, {
        log,
      });
      await submit('logs multipart', `${base}/api/logs?variant=csrf-form&target=import`, multipart, { log });
      return { fetches, forms };
    },
    { base: t.base, log: t.log },
  );
  const sockets: Record<string, SocketResult> = {
    feed: await openSocket(page, `${ws}/api/feed`),
    'console ingest': await openSocket(page, `${ws}/api/boots/${t.bootId}/console/ws`, chunk),
  };
  return { ...base, sockets };
}
