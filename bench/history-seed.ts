/**
 * The dashboard benchmark's lab, made inside PostgreSQL with set-based inserts: 200 variants,
 * 20,000 builds, 100,000 boots (five per build, a tenth failing), 50,000,000 events, crashes
 * and issues for the failed boots. Loads in minutes where ingesting it would take hours.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { parseLog } from '../collector/parser/index.ts';
import { REPO_ROOT } from '../common/repo-root.ts';

interface LabSize {
  variants: number;
  builds: number;
  /** Boots per build. */
  bootsPerBuild: number;
  eventsPerBoot: number;
}

const HISTORY_LAB: LabSize = { variants: 200, builds: 20_000, bootsPerBuild: 5, eventsPerBoot: 500 };

/** Distinct warning titles: a lab's long tail of issues. */
const WARNINGS = 400;

function seedSql(s: LabSize): string[] {
  const boots = s.builds * s.bootsPerBuild;
  return [
    `insert into variants (name, base_config, fragments)
       select 'bench-' || lpad(v::text, 3, '0'), 'allnoconfig', '[{"name":"f.config","content":""}]'::jsonb
       from generate_series(1, ${s.variants}) v`,
    // Builds a few minutes apart, oldest first, round-robin over the variants.
    `insert into builds (variant_id, status, started_at, wall_ms, user_ms, sys_ms, image_size, vmlinux_size,
         text_size, data_size, bss_size, arch, base_config)
       select (g % ${s.variants}) + 1, case when g % 97 = 0 then 'FAIL' else 'PASS' end,
         now() - make_interval(mins => ${s.bootsPerBuild} * (${s.builds} - g + 1)), 60000 + (g * 37) % 9000, 100000, 12000,
         1600000 + g * 4, 3600000 + g * 8, 1250000 + g * 3, 330000, 262144, 'x86_64', 'allnoconfig'
       from generate_series(1, ${s.builds}) g`,
    `insert into boots (build_id, variant_id, target, machine, accel, state, outcome, parse_outcome, status,
         started_at, finished_at, duration_ms, console_bytes, console_lines, kernel, kernel_version, panic,
         milestones, last_stage, crash_count, first_crash, top_diagnosis, end_reason, arch, issues_grouped)
       select b.id, b.variant_id, 'qemu', 'pc', 'kvm', 'finished', o.outcome, o.outcome,
         case when o.failed then 'FAIL' else 'PASS' end,
         b.started_at + make_interval(secs => 30 + k * 50), b.started_at + make_interval(secs => 33 + k * 50),
         3000, 12000, 160,
         '{"version":"6.1.192","cmdline":"console=ttyS0"}'::jsonb, '6.1.192',
         case when o.failed then '{"reason":"No working init found.","line":86,"time":0.29}'::jsonb end,
         case when o.failed then '{"kernel_start":0,"console":0.063,"initramfs":0.247}'::jsonb
           else jsonb_build_object('kernel_start', 0, 'console', 0.07, 'initramfs', 0.5,
             'init_start', 0.8 + ((b.id * 5 + k) % 50) / 1000.0, 'userspace', 0.81, 'shutdown', 2.0) end,
         case when o.failed then 'console' else 'shutdown' end,
         case when o.failed then 1 else 0 end,
         case when o.failed then 'kernel panic: No working init found.' end,
         case when o.failed then '{"option":"CONFIG_BINFMT_SCRIPT","reason":"r","line":81,"rule":"x","confidence":0.9,"evidence":"e"}'::jsonb end,
         'marker', 'x86_64',
         -- Grouped below, as ingest groups each boot: the collector has no backfill to run.
         true
       from builds b cross join generate_series(0, ${s.bootsPerBuild - 1}) k
       cross join lateral (select (b.id * ${s.bootsPerBuild} + k) % 10 = 0 as failed) f
       cross join lateral (select f.failed, case when f.failed then 'panic' else 'booted' end as outcome) o
       order by b.id, k`,
    // A failed boot's fatal crash; every seventh boot also warns (one of WARNINGS titles).
    `insert into crashes (boot_id, seq, kind, title, line, end_line, time, function, fatal)
       select id, 0, 'panic', 'kernel panic: No working init found.', 86, 90, 0.29, null, true
       from boots where outcome = 'panic'`,
    `insert into crashes (boot_id, seq, kind, title, line, end_line, time, function, fatal)
       select id, 1, 'warning', 'WARNING in bench_fn_' || (id / 7) % ${WARNINGS}, 40, 60, 0.1,
         'bench_fn_' || (id / 7) % ${WARNINGS}, false
       from boots where id % 7 = 0`,
    `insert into issues (signature, kind, title, first_seen_at, last_seen_at, first_boot_id, last_boot_id, count)
       select 'bench:' || c.title, c.kind, c.title, min(b.started_at), max(b.started_at),
         (array_agg(b.id order by b.started_at, b.id))[1], (array_agg(b.id order by b.started_at desc, b.id desc))[1],
         count(*)
       from crashes c join boots b on b.id = c.boot_id group by c.title, c.kind`,
    // A failed boot after a good one is an outcome regression, fixed by the next good boot.
    `insert into regressions (variant_id, key, kind, severity, title, status, boot_id, build_id, was, now,
         detected_at, fixed_at)
       select variant_id, 'outcome:' || id, 'outcome', 'high', 'boot outcome booted → panic',
         case when id > ${boots} - 1000 then 'open' else 'fixed' end, id, build_id, '"booted"'::jsonb,
         '"panic"'::jsonb, finished_at, case when id <= ${boots} - 1000 then finished_at + interval '1 hour' end
       from boots where outcome = 'panic' and id % 2 = 0`,
    `insert into issue_boots (issue_id, boot_id, variant_id, line, at)
       select i.id, c.boot_id, b.variant_id, c.line, b.started_at
       from crashes c join boots b on b.id = c.boot_id join issues i on i.signature = 'bench:' || c.title`,
  ];
}

/** `eventsPerBoot` events for boots in [lo, hi]: mostly userspace lines and probes, a few errors. */
function eventsSql(s: LabSize, lo: number, hi: number): string {
  return `insert into events (boot_id, seq, line, time, kind, errno, errno_name, driver, device, message, data)
     select t.id, q, q + 8, q / 1000.0, k.kind,
       case when k.kind = 'error' then -2 end, case when k.kind = 'error' then 'ENOENT' end,
       case when k.kind = 'probe' then 'e1000' end, case when k.kind = 'probe' then '0000:00:03.0' end,
       'message ' || q,
       jsonb_build_object('kind', k.kind, 'line', q + 8, 'time', q / 1000.0, 'message', 'message ' || q)
         || case k.kind
           when 'probe' then jsonb_build_object('driver', 'e1000', 'device', '0000:00:03.0', 'ok', q % 100 <> 91)
           when 'error' then jsonb_build_object('errno', -2, 'errnoName', 'ENOENT', 'source', 'kernel')
           when 'milestone' then jsonb_build_object('name', 'console')
           when 'userspace' then jsonb_build_object('text', 'message ' || q)
           else jsonb_build_object('level', 3) end
     from generate_series(${lo}, ${hi}) t(id) cross join generate_series(1, ${s.eventsPerBoot}) q
     cross join lateral (select case when q % 100 < 60 then 'userspace' when q % 100 < 92 then 'probe'
       when q % 100 < 94 then 'milestone' when q % 100 < 97 then 'kernel_error' else 'error' end as kind) k`;
}

async function withClient<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/**
 * Bulk load the way a DBA would: the secondary indexes dropped and rebuilt once afterwards
 * (from their own definitions), the rows inserted by `workers` sessions over boot-id ranges.
 */
async function loadEvents(url: string, s: LabSize, boots: number, workers: number): Promise<void> {
  const indexes = await withClient(url, async (c) => {
    const { rows } = await c.query<{ indexname: string; indexdef: string }>(
      `select indexname, indexdef from pg_indexes where tablename = 'events'
         and not exists (select 1 from pg_constraint c where c.conname = indexname)`,
    );
    for (const r of rows) await c.query(`drop index "${r.indexname}"`);
    return rows;
  });
  // Chunks of a few thousand boots keep each transaction's memory and WAL modest.
  const chunk = 5000;
  let next = 1;
  const worker = () =>
    withClient(url, async (c) => {
      while (next <= boots) {
        const lo = next;
        next += chunk;
        await c.query(eventsSql(s, lo, Math.min(boots, lo + chunk - 1)));
      }
    });
  await Promise.all(Array.from({ length: workers }, worker));
  await Promise.all(
    indexes.map((r) =>
      withClient(url, async (c) => {
        await c.query(`set maintenance_work_mem = '512MB'`);
        await c.query(r.indexdef);
      }),
    ),
  );
}

/**
 * The whole parse result (what boot pages and Compare read) of real logs: a panic for the
 * failed boots, a clean boot for the others; on every tenth boot and the newest 2,000 (the
 * ones people open), which keeps the lab's size in check.
 */
async function storeResults(c: pg.Client, boots: number): Promise<void> {
  const parsed = (name: string) =>
    JSON.stringify(parseLog(readFileSync(join(REPO_ROOT, 'test/fixtures/logs', name))));
  await c.query(
    `update boots set result = case when outcome = 'panic' then $1::jsonb else $2::jsonb end
       where id % 10 = 0 or id > $3`,
    [parsed('02-initrd-no-binfmt.log'), parsed('05-net-e1000.log'), boots - 2000],
  );
}

/** Seeds a migrated, empty database with the lab; checks the counts. */
export async function seedHistory(url: string, s: LabSize = HISTORY_LAB, workers = 2): Promise<void> {
  const boots = s.builds * s.bootsPerBuild;
  await withClient(url, async (c) => {
    for (const statement of seedSql(s)) await c.query(statement);
    await storeResults(c, boots);
  });
  await loadEvents(url, s, boots, workers);
  await withClient(url, async (c) => {
    await c.query('vacuum analyze');
    const { rows } = await c.query(
      'select (select count(*) from boots) as boots, (select max(boot_id) from events) as last',
    );
    if (Number(rows[0].boots) !== boots || Number(rows[0].last) !== boots)
      throw new Error(`seeded ${rows[0].boots} boots, events up to boot ${rows[0].last}`);
  });
}
