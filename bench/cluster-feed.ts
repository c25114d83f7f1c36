/**
 * Feed latency through two collectors: two real `serve` processes on one throwaway
 * PostgreSQL; a runner streams console lines into B, a dashboard's feed watches the boot on A
 * (every message crosses through NOTIFY).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CollectorClient } from '../runners/collector-client.ts';
import { Spool } from '../runners/spool.ts';
import { serve } from '../test/helpers/cli-process.ts';
import { startPostgres } from '../test/helpers/postgres.ts';
import type { Benchmark } from './run.ts';
import { pct, watchBenchLines } from './runner-latency.ts';

export const clusterFeedBenchmark: Benchmark = {
  name: 'cluster-feed',
  description: 'time from a console line streamed into one collector to that line on a feed of another',
  async run(report) {
    const pg = await startPostgres();
    const spool = mkdtempSync(join(tmpdir(), 'bw-bench-cluster-'));
    const env = { DATABASE_URL: await pg.createDatabase(), HOST: '127.0.0.1' };
    const a = await serve(env);
    const b = await serve(env);
    try {
      const up = new CollectorClient(b.url, new Spool(spool)).openBoot({
        target: 'qemu',
        variant: 'bench-cluster',
      });
      for (let i = 0; i < 250 && up.bootId == null; i++) await new Promise((r) => setTimeout(r, 20));
      const sentAt = new Map<number, number>();
      // The same lines on the collector they were streamed into: what the relay adds is the difference.
      const other = await watchBenchLines(a.url, up.bootId!, sentAt);
      const same = await watchBenchLines(b.url, up.bootId!, sentAt);
      const N = 500;
      for (let i = 0; i < N; i++) {
        sentAt.set(i, performance.now());
        up.write(
          Buffer.from(`[    ${(i / 100).toFixed(6)}] bench line ${i}: e1000 0000:00:03.0 eth0: link up\n`),
        );
        await new Promise((r) => setTimeout(r, 4));
      }
      await up.finish({ endReason: 'marker', status: 'PASS' });
      for (let i = 0; i < 1500 && other.lat.length < N; i++) await new Promise((r) => setTimeout(r, 20));
      for (const w of [other, same]) w.ws.close();
      if (!other.lat.length) throw new Error('no line reached the other collector’s feed');
      report({ name: 'cluster_line_to_other_feed_p50', value: pct(other.lat, 50), unit: 'ms' });
      report({
        name: 'cluster_line_to_other_feed_p99',
        value: pct(other.lat, 99),
        unit: 'ms',
        target: '< 150',
      });
      report({ name: 'cluster_lines_seen_on_other_feed', value: other.lat.length, unit: `of ${N}` });
      report({ name: 'cluster_line_to_same_feed_p50', value: pct(same.lat, 50), unit: 'ms' });
      report({ name: 'cluster_line_to_same_feed_p99', value: pct(same.lat, 99), unit: 'ms' });
    } finally {
      for (const s of [a, b]) s.child.kill('SIGTERM');
      await Promise.all([a.exited, b.exited]);
      pg.dispose();
      rmSync(spool, { recursive: true, force: true });
    }
  },
};
