/**
 * The dashboard's costs: its built bundle (gzip, chart.js included) and the p95 latency of
 * every API call its pages make, on a real PostgreSQL holding a lab's history (100,000 boots,
 * 50,000,000 events: bench/history-seed.ts).
 *
 * Seeding the lab takes a while and about 15 GB. With BOOTWATCH_BENCH_LAB=DIR the cluster
 * lives in DIR and is kept: the first run seeds it, later runs start it, migrate it as
 * `serve` would (so a new migration or index is measured on the same lab) and measure
 * straight away; each run's new_boot_import_100k adds its seven boots to bench-001. Remove
 * DIR to seed afresh (after changing the seed).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import pg from 'pg';
import { defaultAccess } from '../collector/auth/access-options.ts';
import { type Database, openDatabase } from '../collector/db/client.ts';
import { Collector } from '../collector/ingest/collector.ts';
import { buildApp } from '../collector/server/app.ts';
import { REPO_ROOT } from '../common/repo-root.ts';
import { setting } from '../common/settings.ts';
import type { BootSummary, IssueSummary } from '../common/types/api.ts';
import { startPostgres, type TestPostgres } from '../test/helpers/postgres.ts';
import { seedHistory } from './history-seed.ts';
import type { Benchmark, Figure } from './run.ts';

const ROOT = REPO_ROOT;
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

interface Picked {
  failed: BootSummary;
  good: BootSummary | null;
  old: BootSummary;
  variant: string;
  issues: IssueSummary[];
}

async function getJson<T>(url: string): Promise<T> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`GET ${url}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

/** The boots and issues a person would open: the newest failure, its last good boot, an old boot. */
async function pick(base: string): Promise<Picked> {
  const [failed] = await getJson<BootSummary[]>(`${base}/api/boots?outcome=panic&limit=1`);
  const variant = failed.variant!;
  const [good] = await getJson<BootSummary[]>(
    `${base}/api/boots?variant=${variant}&outcome=booted&state=finished&before=${failed.id}&limit=1`,
  );
  const [old] = await getJson<BootSummary[]>(`${base}/api/boots?outcome=panic&before=100&limit=1`);
  const issues = await getJson<IssueSummary[]>(`${base}/api/issues?limit=500`);
  return { failed, good: good ?? null, old: old ?? failed, variant, issues };
}

/** Every call a dashboard page makes, by page, for the picked boots and issues. */
function pageCalls(p: Picked): [string, string][] {
  const v = p.variant;
  const f = p.failed;
  const six = Array.from({ length: 6 }, (_, i) => `bench-${String(i + 1).padStart(3, '0')}`).join(',');
  const biggest = [...p.issues].sort((a, b) => b.count - a.count)[0];
  const boot = (name: string, b: BootSummary): [string, string][] => [
    [`${name}_p95`, `/api/boots/${b.id}`],
    [`${name}_build_p95`, `/api/builds/${b.buildId}`],
    [
      `${name}_last_good_p95`,
      `/api/boots?variant=${b.variant}&outcome=booted&state=finished&before=${b.id}&limit=1`,
    ],
    [`${name}_previous_p95`, `/api/boots?variant=${b.variant}&before=${b.id}&limit=1`],
    [`${name}_issues_p95`, `/api/issues?boot=${b.id}`],
    [`${name}_console_p95`, `/api/boots/${b.id}/console?from=1&limit=5000`],
  ];
  return [
    // No database work: the floor a loaded machine puts under every other figure.
    ['api_health_p95', '/api/health'],
    // Every page: the live activity strip.
    ['api_live_running_p95', '/api/boots?state=running&limit=100'],
    ['api_live_finished_p95', '/api/boots?state=finished&limit=12'],
    // Overview: variants, regressions, the newest boots and their filters and pages.
    ['api_overview_p95', '/api/variants'],
    ['api_regressions_p95', '/api/regressions?status=all&limit=30'],
    ['api_overview_boots_p95', '/api/boots?limit=51'],
    ['api_boots_page_p95', `/api/boots?limit=51&outcome=panic&before=${Math.floor(f.id / 2)}`],
    ['api_boots_variant_p95', `/api/boots?limit=51&variant=${v}`],
    ['api_boots_target_p95', '/api/boots?limit=51&target=ec2'],
    // Trends: six variants overlaid (the default), one variant's long history.
    [
      'api_trend_overlay_p95',
      `/api/trends?variant=${six}&metric=size.image,build.wall,boot.init_start&limit=500`,
    ],
    ['api_trend_p95', `/api/trends?variant=${v}&metric=size.image,build.wall,boot.init_start&limit=10000`],
    // Failures, and the issues it links to.
    ['api_failures_p95', '/api/failures?boots=1000'],
    ['api_issues_p95', '/api/issues?limit=500'],
    // Issues: filtered lists and the biggest issue's page.
    ['api_issues_new_p95', '/api/issues?status=new&limit=500'],
    ['api_issues_variant_p95', `/api/issues?variant=${v}&limit=500`],
    ['api_issues_search_p95', '/api/issues?q=bench_fn_1&limit=500'],
    ['api_issue_detail_p95', `/api/issues/${biggest.id}`],
    // Compare: the failure against its last good boot.
    ['api_compare_p95', `/api/compare?a=${p.good?.id ?? p.old.id}&b=${f.id}&limit=500`],
    // Boot detail: the newest failure and one from the start of history.
    ...boot('api_boot_detail', f),
    ...boot('api_boot_detail_old', p.old),
    ['api_baselines_p95', '/api/baselines'],
  ];
}

/** Times every page's calls (or those whose name `only` matches) against a running collector. */
export async function measurePages(
  base: string,
  report: (f: Figure) => void,
  only?: RegExp | null,
): Promise<void> {
  for (const [name, path] of pageCalls(await pick(base))) {
    if (only && !only.test(name)) continue;
    try {
      const r = await latency(`${base}${path}`);
      report({
        name,
        value: Math.round(r.p95 * 10) / 10,
        unit: 'ms',
        target: `< 100 ms; p50 ${Math.round(r.p50)} ms, n=${r.n}`,
      });
    } catch (err) {
      // One failing call is a finding, not the end of the run.
      process.stderr.write(`${name} failed: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = 1;
    }
  }
}

/**
 * Median time to import one real boot log (a Debian kernel's, with initcall_debug) into a
 * variant: on an empty database and on the lab it shows whether old history slows new boots.
 */
export async function newBootImportMs(database: Database, variant: string): Promise<number> {
  const c = new Collector(database);
  const bytes = readFileSync(join(ROOT, 'test/fixtures/logs/debian-6.1-amd64-initcall-debug.log'));
  const ms: number[] = [];
  for (let i = 0; i < 7; i++) {
    const t = performance.now();
    await c.importLog(bytes, { variant });
    ms.push(performance.now() - t);
  }
  await c.settle();
  return Math.round([...ms].sort((a, b) => a - b)[3] * 10) / 10;
}

const LAB = 'lab';

/**
 * The lab's database URL, seeded now unless a kept cluster already holds it: a lab is seeded
 * under another name and renamed when whole, so a run cut short leaves no half lab behind.
 */
async function labDatabase(
  server: TestPostgres,
  kept: boolean,
  report: (f: Figure) => void,
): Promise<string> {
  const at = (name: string) => `postgres://postgres@127.0.0.1:${server.port}/${name}`;
  if (kept) {
    const client = new pg.Client({ connectionString: server.url });
    await client.connect();
    try {
      const { rowCount } = await client.query('select 1 from pg_database where datname = $1', [LAB]);
      if (rowCount) return at(LAB);
    } finally {
      await client.end();
    }
  }
  await server.admin(`drop database if exists ${LAB}_seeding`);
  await server.admin(`create database ${LAB}_seeding`);
  const url = at(`${LAB}_seeding`);
  // Opening it migrates it: the seed fills the tables (and their triggers) as they are today.
  await (await openDatabase({ url })).close();
  const seedStart = performance.now();
  await seedHistory(url);
  report({
    name: 'dashboard_seed_time',
    value: Math.round((performance.now() - seedStart) / 100) / 10,
    unit: 's',
  });
  await server.admin(`alter database ${LAB}_seeding rename to ${LAB}`);
  return at(LAB);
}

export const dashboardBenchmark: Benchmark = {
  name: 'dashboard',
  description:
    'dashboard bundle size (gzip) and the p95 latency of every API call its pages make over 100,000 boots and 50,000,000 events on PostgreSQL',
  async run(report: (f: Figure) => void) {
    const bundle = bundleGzip();
    report({
      name: 'dashboard_bundle_gzip',
      value: Math.round(bundle.total / 102.4) / 10,
      unit: 'kB',
      target: '< 250 kB',
    });
    report({ name: 'dashboard_bundle_js_gzip', value: Math.round(bundle.js / 102.4) / 10, unit: 'kB' });

    const keep = setting('BOOTWATCH_BENCH_LAB');
    const server = await startPostgres({ keep });
    try {
      const emptyUrl = await server.createDatabase();
      const empty = await openDatabase({ url: emptyUrl });
      try {
        report({
          name: 'new_boot_import_empty',
          value: await newBootImportMs(empty, 'bench-001'),
          unit: 'ms',
        });
      } finally {
        await empty.close();
        await server.admin(`drop database ${new URL(emptyUrl).pathname.slice(1)}`);
      }
      const url = await labDatabase(server, keep !== undefined, report);
      const database = await openDatabase({ url });
      // One client making thousands of requests: the rate limit is not what is measured.
      const app = await buildApp({
        database,
        ownDatabase: true,
        dashboardDir: null,
        access: { ...defaultAccess(), rateLimit: 0 },
      });
      try {
        await measurePages(await app.listen({ host: '127.0.0.1', port: 0 }), report);
        report({
          name: 'new_boot_import_100k',
          value: await newBootImportMs(database, 'bench-001'),
          unit: 'ms',
          target: 'about new_boot_import_empty',
        });
      } finally {
        await app.close();
      }
    } finally {
      server.dispose();
    }
  },
};
