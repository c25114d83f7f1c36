/**
 * A team's collector under load (issue 9): 50 runners stream real boot consoles at once into
 * a real `serve` process on a real PostgreSQL, with auth on, while a dashboard reads the boot
 * list; then the same with 200 feed sockets attached that never read. Figures: lines stored /
 * sent, chunk-to-ack p99, GET /api/boots p99 during the load, the collector's peak RSS.
 */
import { readFileSync } from 'node:fs';
import WebSocket from 'ws';
import { fromRoot } from '../common/repo-root.ts';
import { bootwatch, type Served, serve } from '../test/helpers/cli-process.ts';
import { startPostgres } from '../test/helpers/postgres.ts';
import type { Benchmark, Figure } from './run.ts';

const CLIENTS = 50;
const IDLE_FEEDS = 200;
const CHUNK = 2048;
/** A TCG boot prints its ~120 KB console over a few seconds: 2 KiB every 50 ms per runner. */
const CHUNK_EVERY_MS = 50;
const LOG = readFileSync(fromRoot('test', 'fixtures', 'logs', 'debian-6.1-amd64-initcall-debug.log'));

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] : Number.NaN;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The collector process's peak resident set (VmHWM), MiB. */
function peakRssMiB(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : Number.NaN;
}

interface LoadResult {
  linesRatio: number;
  bytesIdentical: boolean;
  ackP99: number;
  readP99: number;
  peakRss: number;
}

/** One runner: creates its boot, streams the log chunk by chunk, finishes; returns ack latencies. */
async function runner(base: string, token: string): Promise<{ id: number; acks: number[] }> {
  const id = await createBoot(base, token);
  return { id, acks: await streamLog(base, token, id) };
}

/** A boot as a runner starts it; returns its id. */
export async function createBoot(base: string, token: string): Promise<number> {
  const res = await fetch(`${base}/api/boots`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ target: 'qemu', variant: 'bench-load', idempotencyKey: crypto.randomUUID() }),
  });
  if (!res.ok) throw new Error(`POST /api/boots: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { id: number }).id;
}

/** Streams the log into boot `id` as a TCG boot prints it, then finishes it; returns chunk-to-ack latencies. */
export async function streamLog(base: string, token: string, id: number): Promise<number[]> {
  const auth = { authorization: `Bearer ${token}` };
  const ws = new WebSocket(`${base.replace(/^http/, 'ws')}/api/boots/${id}/console/ws`, { headers: auth });
  const sentAt = new Map<number, number>();
  const acks: number[] = [];
  let finished: (() => void) | null = null;
  const done = new Promise<void>((r) => (finished = r));
  ws.on('message', (data) => {
    const m = JSON.parse(String(data)) as { type: string; offset?: number };
    if (m.type === 'ack' && m.offset != null && sentAt.has(m.offset)) {
      acks.push(performance.now() - sentAt.get(m.offset)!);
      sentAt.delete(m.offset);
    } else if (m.type === 'finished') finished?.();
    else if (m.type === 'error') throw new Error(`ingest error: ${String(data)}`);
  });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  for (let at = 0; at < LOG.length; at += CHUNK) {
    const bytes = LOG.subarray(at, at + CHUNK);
    sentAt.set(at + bytes.length, performance.now());
    ws.send(JSON.stringify({ type: 'chunk', offset: at, data: bytes.toString('base64') }));
    await sleep(CHUNK_EVERY_MS);
  }
  ws.send(JSON.stringify({ type: 'finish', finish: { endReason: 'marker', consoleBytes: LOG.length } }));
  await done;
  ws.close();
  return acks;
}

/** Feed sockets that subscribe to everything and never read a byte. */
async function idleFeeds(base: string, token: string, n: number): Promise<WebSocket[]> {
  const url = `${base.replace(/^http/, 'ws')}/api/feed`;
  return Promise.all(
    Array.from(
      { length: n },
      () =>
        new Promise<WebSocket>((resolve, reject) => {
          const ws = new WebSocket(url, { headers: { authorization: `Bearer ${token}` } });
          ws.once('open', () => {
            (ws as unknown as { _socket: { pause(): void } })._socket.pause();
            resolve(ws);
          });
          ws.once('error', reject);
        }),
    ),
  );
}

async function load(databaseUrl: string, feeds: number): Promise<LoadResult> {
  const env = { DATABASE_URL: databaseUrl };
  const made = await bootwatch(['token', 'create', '--name', `bench-${feeds}`, '--scope', 'submit'], env);
  if (made.code !== 0) throw new Error(`token create: ${made.stderr}`);
  const token = made.stdout.trim().split('\n').pop()!;
  const server: Served = await serve({
    ...env,
    HOST: '127.0.0.1',
    BOOTWATCH_AUTH: 'on',
    // One token holds every socket here; the cap is for real clients.
    BOOTWATCH_MAX_SOCKETS: '1000',
  });
  try {
    const idle = await idleFeeds(server.url, token, feeds);
    const reads: number[] = [];
    let loading = true;
    const reader = (async () => {
      while (loading) {
        const t0 = performance.now();
        const r = await fetch(`${server.url}/api/boots?limit=50`, {
          headers: { authorization: `Bearer ${token}` },
        });
        await r.arrayBuffer();
        reads.push(performance.now() - t0);
        await sleep(100);
      }
    })();
    const runs = await Promise.all(Array.from({ length: CLIENTS }, () => runner(server.url, token)));
    loading = false;
    await reader;
    const peakRss = peakRssMiB(server.child.pid!);
    for (const ws of idle) ws.terminate();

    // The reference: the same log imported whole, as the collector counts its lines.
    const imported = await fetch(`${server.url}/api/logs`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/octet-stream' },
      body: LOG,
    });
    const ref = (await imported.json()) as { id: number };
    const expectedLines = (
      (await (
        await fetch(`${server.url}/api/boots/${ref.id}`, { headers: { authorization: `Bearer ${token}` } })
      ).json()) as { consoleLines: number }
    ).consoleLines;
    let stored = 0;
    let identical = true;
    for (const { id } of runs) {
      const boot = (await (
        await fetch(`${server.url}/api/boots/${id}`, { headers: { authorization: `Bearer ${token}` } })
      ).json()) as { consoleLines: number };
      stored += boot.consoleLines;
      const raw = Buffer.from(
        await (
          await fetch(`${server.url}/api/boots/${id}/console.raw`, {
            headers: { authorization: `Bearer ${token}` },
          })
        ).arrayBuffer(),
      );
      identical &&= raw.equals(LOG);
    }
    return {
      linesRatio: stored / (expectedLines * CLIENTS),
      bytesIdentical: identical,
      ackP99: pct(
        runs.flatMap((r) => r.acks),
        99,
      ),
      readP99: pct(reads, 99),
      peakRss,
    };
  } finally {
    server.child.kill('SIGTERM');
    await server.exited;
  }
}

export const streamingLoadBenchmark: Benchmark = {
  name: 'streaming-load',
  description:
    '50 runners streaming into a real collector on PostgreSQL, without and with 200 idle feed sockets',
  async run(report) {
    const pg = await startPostgres();
    try {
      const plain = await load(await pg.createDatabase(), 0);
      const figures: Figure[] = [
        { name: 'load_lines_stored_ratio', value: plain.linesRatio, unit: 'stored/sent', target: '1.0' },
        {
          name: 'load_console_bytes_identical',
          value: plain.bytesIdentical ? 1 : 0,
          unit: 'bool',
          target: '1',
        },
        { name: 'load_chunk_ack_p99', value: plain.ackP99, unit: 'ms', target: '< 250' },
        { name: 'load_boots_read_p99', value: plain.readP99, unit: 'ms', target: '< 200' },
        { name: 'load_peak_rss', value: plain.peakRss, unit: 'MiB' },
      ];
      for (const f of figures) report(f);
      const idle = await load(await pg.createDatabase(), IDLE_FEEDS);
      report({
        name: 'load_idle_feeds_lines_stored_ratio',
        value: idle.linesRatio,
        unit: 'stored/sent',
        target: '1.0',
      });
      report({ name: 'load_idle_feeds_chunk_ack_p99', value: idle.ackP99, unit: 'ms', target: '< 250' });
      report({ name: 'load_idle_feeds_peak_rss', value: idle.peakRss, unit: 'MiB' });
      report({
        name: 'load_idle_feeds_rss_ratio',
        value: idle.peakRss / plain.peakRss,
        unit: 'x',
        target: '<= 1.5',
      });
    } finally {
      pg.dispose();
    }
  },
};
