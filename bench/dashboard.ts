/**
 * The dashboard's costs: its built bundle (gzip, chart.js included) and the p95 latency of
 * the API calls its pages make, on a real PostgreSQL holding 10,000 boots and 5,000,000
 * events seeded with SQL (set-based inserts: a couple of minutes, not hours of ingest).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import pg from 'pg';
import { openDatabase } from '../collector/db/client.ts';
import { buildApp } from '../collector/server/app.ts';
import { REPO_ROOT } from '../common/repo-root.ts';
import { startPostgres } from '../test/helpers/postgres.ts';
import type { Benchmark, Figure } from './run.ts';

const ROOT = REPO_ROOT;
const VARIANTS = 20;
const BOOTS = 10_000;
const EVENTS_PER_BOOT = 500;
const SAMPLES = 200;
const MIN_SAMPLES = 10;
const BUDGET_MS = 30_000;

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

/** Builds the dashboard into a temp dir (a running serve keeps its dist) and sums gzip -9 of what a browser loads. */
function bundleGzip(): { total: number; js: number } {
  const out = mkdtempSync(join(tmpdir(), 'bootwatch-dist-'));
  try {
    execFileSync(
      process.execPath,
      [join(ROOT, 'node_modules/vite/bin/vite.js'), 'build', '--config', 'dashboard/vite.config.ts'].concat([
        '--outDir',
        out,
        '--emptyOutDir',
        '--logLevel',
        'error',
      ]),
      { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] },
    );
    let total = 0;
    let js = 0;
    for (const f of filesUnder(out).filter((p) => /\.(js|css|html)$/.test(p))) {
      const n = gzipSync(readFileSync(f), { level: 9 }).length;
      total += n;
      if (f.endsWith('.js')) js += n;
    }
    return { total, js };
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

/** 20 variants, one build per boot, 10,000 boots (a tenth failing). */
const SEED_SQL = [
  `insert into variants (name, base_config, fragments)
     select 'bench-' || lpad(v::text, 2, '0'), 'allnoconfig', '[{"name":"f.config","content":""}]'::jsonb
     from generate_series(1, ${VARIANTS}) v`,
  `insert into builds (variant_id, status, started_at, wall_ms, user_ms, sys_ms, image_size, vmlinux_size,
       text_size, data_size, bss_size, arch, base_config)
     select (g % ${VARIANTS}) + 1, case when g % 97 = 0 then 'FAIL' else 'PASS' end,
       now() - make_interval(mins => ${BOOTS} - g), 60000 + (g * 37) % 9000, 100000, 12000,
       1600000 + g * 4, 3600000 + g * 8, 1250000 + g * 3, 330000, 262144, 'x86_64', 'allnoconfig'
     from generate_series(1, ${BOOTS}) g`,
  `insert into boots (build_id, variant_id, target, machine, accel, state, outcome, parse_outcome, status,
       started_at, finished_at, duration_ms, console_bytes, console_lines, kernel, kernel_version, panic,
       milestones, last_stage, crash_count, first_crash, top_diagnosis, end_reason)
     select b.id, b.variant_id, 'qemu', 'pc', 'kvm', 'finished',
       case when b.id % 10 = 0 then 'panic' else 'booted' end,
       case when b.id % 10 = 0 then 'panic' else 'booted' end,
       case when b.id % 10 = 0 then 'FAIL' else 'PASS' end,
       b.started_at + interval '2 minutes', b.started_at + interval '2 minutes 3 seconds', 3000, 12000, 160,
       '{"version":"6.1.192","cmdline":"console=ttyS0"}'::jsonb, '6.1.192',
       case when b.id % 10 = 0 then '{"reason":"No working init found.","line":86,"time":0.29}'::jsonb end,
       case when b.id % 10 = 0 then '{"kernel_start":0,"console":0.063,"initramfs":0.247}'::jsonb
         else jsonb_build_object('kernel_start', 0, 'console', 0.07, 'initramfs', 0.5,
           'init_start', 0.8 + (b.id % 50) / 1000.0, 'userspace', 0.81, 'shutdown', 2.0) end,
       case when b.id % 10 = 0 then 'console' else 'shutdown' end,
       case when b.id % 10 = 0 then 1 else 0 end,
       case when b.id % 10 = 0 then 'kernel panic: No working init found.' end,
       case when b.id % 10 = 0 then '{"option":"CONFIG_BINFMT_SCRIPT","reason":"r","line":81,"rule":"x","confidence":0.9,"evidence":"e"}'::jsonb end,
       'marker'
     from builds b`,
];

/** 500 events per boot: 5,000,000 rows in one set-based insert. */
const EVENTS_SQL = `insert into events (boot_id, seq, line, time, kind, errno, errno_name, driver, device, message, data)
     select t.id, s, s + 8, s / 1000.0, k.kind,
       case when k.kind = 'error' then -2 end, case when k.kind = 'error' then 'ENOENT' end,
       case when k.kind = 'probe' then 'e1000' end, case when k.kind = 'probe' then '0000:00:03.0' end,
       'message ' || s,
       jsonb_build_object('kind', k.kind, 'line', s + 8, 'time', s / 1000.0, 'message', 'message ' || s)
         || case k.kind
           when 'probe' then jsonb_build_object('driver', 'e1000', 'device', '0000:00:03.0', 'ok', s % 100 <> 91)
           when 'error' then jsonb_build_object('errno', -2, 'errnoName', 'ENOENT', 'source', 'kernel')
           when 'milestone' then jsonb_build_object('name', 'console')
           when 'userspace' then jsonb_build_object('text', 'message ' || s)
           else jsonb_build_object('level', 3) end
     from boots t cross join generate_series(1, ${EVENTS_PER_BOOT}) s
     -- A boot's events as a console gives them: mostly userspace lines and probes, a few errors.
     cross join lateral (select case when s % 100 < 60 then 'userspace' when s % 100 < 92 then 'probe'
       when s % 100 < 94 then 'milestone' when s % 100 < 97 then 'kernel_error' else 'error' end as kind) k`;

/**
 * Bulk load the way a DBA would: foreign-key triggers off for the session and the secondary
 * indexes rebuilt once afterwards (from their own definitions), instead of 5M index updates.
 */
async function loadEvents(client: pg.Client): Promise<void> {
  const { rows } = await client.query<{ indexname: string; indexdef: string }>(
    `select indexname, indexdef from pg_indexes where tablename = 'events'
       and not exists (select 1 from pg_constraint c where c.conname = indexname)`,
  );
  for (const r of rows) await client.query(`drop index "${r.indexname}"`);
  await client.query(`set maintenance_work_mem = '512MB'`);
  await client.query(`set session_replication_role = replica`);
  await client.query(EVENTS_SQL);
  await client.query(`set session_replication_role = origin`);
  for (const r of rows) await client.query(r.indexdef);
}

/** Seeds a migrated database with the benchmark's lab; checks the counts. */
export async function seedBenchDatabase(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    for (const statement of SEED_SQL) await client.query(statement);
    await loadEvents(client);
    await client.query('analyze');
    const { rows } = await client.query(
      'select (select count(*) from boots) as boots, (select count(*) from events) as events',
    );
    if (Number(rows[0].boots) !== BOOTS || Number(rows[0].events) !== BOOTS * EVENTS_PER_BOOT)
      throw new Error(`seeded ${rows[0].boots} boots and ${rows[0].events} events`);
  } finally {
    await client.end();
  }
}

function p95(ms: number[]): number {
  const s = [...ms].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil(0.95 * s.length) - 1)];
}

/**
 * Sequential GETs over one keep-alive connection pool: a warm-up, then up to SAMPLES timed
 * requests within BUDGET_MS (a slow endpoint gets fewer samples, never fewer than MIN_SAMPLES).
 */
async function latency(url: string): Promise<{ p95: number; p50: number; n: number }> {
  const once = async () => {
    const t = performance.now();
    const res = await fetch(url);
    if (!res.ok) throw new Error(`GET ${url}: ${res.status} ${await res.text()}`);
    await res.arrayBuffer();
    return performance.now() - t;
  };
  for (let i = 0; i < 5; i++) await once();
  const ms: number[] = [];
  const start = performance.now();
  while (ms.length < SAMPLES && (ms.length < MIN_SAMPLES || performance.now() - start < BUDGET_MS))
    ms.push(await once());
  const s = [...ms].sort((a, b) => a - b);
  return { p95: p95(ms), p50: s[Math.floor(s.length / 2)], n: ms.length };
}

export const dashboardBenchmark: Benchmark = {
  name: 'dashboard',
  description:
    'dashboard bundle size (gzip) and API p95 latency over 10,000 boots and 5,000,000 events on PostgreSQL',
  async run(report: (f: Figure) => void) {
    const bundle = bundleGzip();
    report({
      name: 'dashboard_bundle_gzip',
      value: Math.round(bundle.total / 102.4) / 10,
      unit: 'kB',
      target: '< 250 kB',
    });
    report({ name: 'dashboard_bundle_js_gzip', value: Math.round(bundle.js / 102.4) / 10, unit: 'kB' });

    const server = await startPostgres();
    try {
      const url = await server.createDatabase();
      const database = await openDatabase({ url });
      const seedStart = performance.now();
      await seedBenchDatabase(url);
      report({
        name: 'dashboard_seed_time',
        value: Math.round((performance.now() - seedStart) / 100) / 10,
        unit: 's',
      });

      const app = await buildApp({ database, ownDatabase: true, dashboardDir: null });
      try {
        const base = await app.listen({ host: '127.0.0.1', port: 0 });
        // What the overview (variants, newest boots, regressions), boot pages and trends ask for.
        const calls: [string, string][] = [
          ['api_overview_p95', '/api/variants'],
          ['api_overview_boots_p95', '/api/boots?limit=51'],
          ['api_boots_page_p95', '/api/boots?limit=51&outcome=panic&before=5000'],
          [
            'api_trend_p95',
            '/api/trends?variant=bench-07&metric=size.image,build.wall,boot.init_start&limit=500',
          ],
          [
            'api_trend_overlay_p95',
            '/api/trends?variant=bench-01,bench-02,bench-03,bench-04,bench-05,bench-06&metric=size.image&limit=500',
          ],
        ];
        // The overview's regressions and the failures page, where the collector answers them.
        const optional: [string, string][] = [
          ['api_regressions_p95', '/api/regressions?status=all&limit=30'],
          ['api_failures_p95', '/api/failures?boots=1000'],
        ];
        for (const [name, path] of optional)
          if ((await fetch(`${base}${path}`, { method: 'HEAD' })).status !== 404) calls.push([name, path]);
        for (const [name, path] of calls) {
          const r = await latency(`${base}${path}`);
          report({ name, value: Math.round(r.p95 * 10) / 10, unit: 'ms', target: `< 50 ms; n=${r.n}` });
        }
      } finally {
        await app.close();
      }
    } finally {
      server.dispose();
    }
  },
};
