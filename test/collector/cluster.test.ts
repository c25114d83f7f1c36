/**
 * Two collectors behind one address: two real `serve` processes on one real PostgreSQL. A
 * dashboard's feed on A sees a boot streamed into B as it happens (its state changes, and
 * every console line to the client watching that boot, messages over NOTIFY's 8000-byte
 * limit included); a client not watching it gets no console. The boot's finish reaches
 * both collectors at once (a runner resending it elsewhere): its analysis still runs once.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { parseLog } from '../../collector/parser/index.ts';
import type { IssueSummary } from '../../common/types/api.ts';
import { type Served, serve } from '../helpers/cli-process.ts';
import { fixtureBytes } from '../helpers/fixtures.ts';
import { startPostgres, type TestPostgres } from '../helpers/postgres.ts';

let server: TestPostgres;
let url: string;
let a: Served;
let b: Served;

beforeAll(async () => {
  server = await startPostgres();
  url = await server.createDatabase();
  // One after the other: the first applies the migrations.
  a = await serve({ DATABASE_URL: url, HOST: '127.0.0.1' });
  b = await serve({ DATABASE_URL: url, HOST: '127.0.0.1' });
}, 120_000);

afterAll(async () => {
  for (const s of [a, b]) s?.child.kill('SIGTERM');
  await Promise.all([a?.exited, b?.exited]);
  server?.dispose();
});

/** A WebSocket whose messages queue up for `next`. */
function socket(base: string, path: string) {
  const ws = new WebSocket(`${base.replace(/^http/, 'ws')}${path}`);
  const seen: Record<string, unknown>[] = [];
  const waiters: (() => void)[] = [];
  ws.on('message', (d) => {
    seen.push(JSON.parse(String(d)));
    for (const w of waiters.splice(0)) w();
  });
  let read = 0;
  return {
    ws,
    seen,
    opened: new Promise((r) => ws.once('open', r)),
    /** The next message matching `pred` (skipping others). */
    async next(pred: (m: Record<string, unknown>) => boolean = () => true): Promise<Record<string, unknown>> {
      for (;;) {
        while (read < seen.length) {
          const m = seen[read++];
          if (pred(m)) return m;
        }
        await new Promise<void>((r) => waiters.push(r));
      }
    },
  };
}

describe('two collectors on one PostgreSQL', () => {
  it('a client on A sees a boot streamed into B; the analysis runs once', { timeout: 120_000 }, async () => {
    const dashboard = socket(a.url, '/api/feed');
    expect(await dashboard.next()).toEqual({ type: 'subscribed', bootId: null });

    const res = await fetch(`${b.url}/api/boots`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ target: 'qemu', variant: 'cluster' }),
    });
    const { id } = (await res.json()) as { id: number };
    expect(await dashboard.next((m) => m.type === 'boot')).toEqual({
      type: 'boot',
      bootId: id,
      variant: 'cluster',
      state: 'started',
    });
    const watcher = socket(a.url, `/api/feed?boot=${id}`);
    expect(await watcher.next()).toEqual({ type: 'subscribed', bootId: id });

    // One chunk: the first lines message is far over NOTIFY's 8000 bytes.
    const log = fixtureBytes('logs/02-initrd-no-binfmt.log');
    const expected = parseLog(log);
    const ingest = socket(b.url, `/api/boots/${id}/console/ws`);
    await ingest.next((m) => m.type === 'ack');
    ingest.ws.send(JSON.stringify({ type: 'chunk', offset: 0, data: Buffer.from(log).toString('base64') }));
    await ingest.next((m) => m.type === 'ack' && m.offset === log.length);

    const lines: { line: number; text: string }[] = [];
    while (lines.length < expected.stats.lines - 1)
      lines.push(...((await watcher.next((m) => m.type === 'lines')).lines as typeof lines));
    expect(lines.map((l) => l.line)).toEqual(Array.from({ length: lines.length }, (_, i) => i + 1));
    expect(lines.find((l) => /Linux version/.test(l.text))).toBeDefined();
    expect(JSON.stringify(watcher.seen.filter((m) => m.type === 'lines')[0]).length).toBeGreaterThan(8000);

    // The finish reaches both collectors at once.
    const again = socket(a.url, `/api/boots/${id}/console/ws`);
    await again.next((m) => m.type === 'ack');
    const finish = JSON.stringify({
      type: 'finish',
      finish: { endReason: 'shutdown', consoleBytes: log.length },
    });
    ingest.ws.send(finish);
    again.ws.send(finish);
    expect(await watcher.next((m) => m.type === 'boot')).toMatchObject({
      bootId: id,
      state: 'finished',
      outcome: expected.outcome,
    });
    await dashboard.next((m) => m.type === 'boot' && m.state === 'finished');

    let issues: IssueSummary[] = [];
    for (let i = 0; i < 200 && !issues.length; i++) {
      issues = (await (await fetch(`${a.url}/api/issues?boot=${id}`)).json()) as IssueSummary[];
      if (!issues.length) await new Promise((r) => setTimeout(r, 100));
    }
    expect(issues.length).toBeGreaterThan(0);
    for (const issue of issues) expect(issue.count).toBe(1);
    const db = new pg.Client({ connectionString: url });
    await db.connect();
    // Let a second analysis, were there one, come to its claim.
    await new Promise((r) => setTimeout(r, 1000));
    const claims = await db.query('SELECT task FROM analysis_claims WHERE boot_id = $1 ORDER BY task', [id]);
    await db.end();
    expect(claims.rows).toEqual([{ task: 'issues' }, { task: 'regressions' }]);

    // The dashboard's unfiltered feed carried the boot's state, never its console.
    expect(dashboard.seen.filter((m) => m.type === 'lines' || m.type === 'events')).toEqual([]);
    for (const s of [dashboard, watcher, ingest, again]) s.ws.close();
  });
});
