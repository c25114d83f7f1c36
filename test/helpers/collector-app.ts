/** The collector app over a test database, and a WebSocket client whose messages can be awaited. */

import { expect } from 'vitest';
import type WebSocket from 'ws';
import type { Database } from '../../collector/db/client.ts';
import { buildApp } from '../../collector/server/app.ts';
import type { App } from '../../collector/server/types.ts';
import type { IssueSummary } from '../../common/schemas/issues.ts';
import { fixtureBytes } from './fixtures.ts';

/** The app on `database` (left open when the app closes), without a dashboard. */
export function appOn(database: Database, dashboardDir: string | null = null): Promise<App> {
  return buildApp({ database, dashboardDir });
}

/** Messages of a socket as a queue: `next` resolves with the first unread message that matches. */
export class MessageQueue<T = { type: string; [k: string]: unknown }> {
  private readonly seen: T[] = [];
  private readonly waiting: { match: (m: T) => boolean; resolve: (m: T) => void }[] = [];
  closed: { code: number; reason: string } | null = null;
  private closeWaiters: (() => void)[] = [];

  constructor(readonly socket: WebSocket) {
    socket.on('message', (data) => this.push(JSON.parse(String(data)) as T));
    socket.on('close', (code, reason) => {
      this.closed = { code, reason: String(reason) };
      for (const w of this.closeWaiters) w();
    });
  }

  private push(m: T): void {
    const i = this.waiting.findIndex((w) => w.match(m));
    if (i >= 0) this.waiting.splice(i, 1)[0].resolve(m);
    else this.seen.push(m);
  }

  /** The first message (already received or still to come) that matches; fails after `ms`. */
  next(match: (m: T) => boolean = () => true, ms = 15_000): Promise<T> {
    const i = this.seen.findIndex(match);
    if (i >= 0) return Promise.resolve(this.seen.splice(i, 1)[0]);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no matching message within ${ms} ms`)), ms);
      this.waiting.push({
        match,
        resolve: (m) => {
          clearTimeout(timer);
          resolve(m);
        },
      });
    });
  }

  /** Resolves once the socket has closed. */
  whenClosed(): Promise<{ code: number; reason: string }> {
    if (this.closed) return Promise.resolve(this.closed);
    return new Promise((resolve) => this.closeWaiters.push(() => resolve(this.closed!)));
  }

  send(m: unknown): void {
    this.socket.send(JSON.stringify(m));
  }
}

/** Opens a WebSocket on the app without a port; no message can slip by before the queue listens. */
export async function connectWs(app: App, path: string): Promise<MessageQueue> {
  let queue: MessageQueue | null = null;
  await app.injectWS(path, {}, { onInit: (ws) => (queue = new MessageQueue(ws)) });
  return queue!;
}

/** Imports a fixture log as a boot of `variant` and waits for its analysis (issues, regressions). */
export async function importFixture(app: App, file: string, variant: string): Promise<number> {
  const r = await app.inject({
    method: 'POST',
    url: `/api/logs?variant=${variant}`,
    headers: { 'content-type': 'application/octet-stream' },
    payload: Buffer.from(fixtureBytes(file)),
  });
  expect(r.statusCode, r.body).toBe(201);
  // Grouping runs after the boot is stored, like regression detection.
  await app.collector.settle();
  return r.json().id;
}

/** GET /api/issues with a query string, expecting 200. */
export async function listIssues(app: App, query = ''): Promise<IssueSummary[]> {
  const r = await app.inject({ method: 'GET', url: `/api/issues${query}` });
  expect(r.statusCode, r.body).toBe(200);
  return r.json();
}
