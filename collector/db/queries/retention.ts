/**
 * Retention: removes boots and builds older than a cutoff with everything stored under them,
 * but never what the rest of the history still points to: a pinned baseline, the boots and
 * builds of an open regression, an issue's first and last boots, a bisection's steps, a
 * climb's attempts, a running boot; with `keepBaselines`, also each variant's implicit
 * baseline (its last good boot, and its last passing build).
 */
import { type SQL, sql } from 'drizzle-orm';
import { KERNEL_OUTCOMES } from '../../../common/outcomes.ts';
import type { Db } from '../client.ts';
import { rowsOf } from '../rows.ts';

export interface PruneOptions {
  /** Boots and builds that started before this go, unless something points to them. */
  cutoff: Date;
  keepBaselines: boolean;
  dryRun: boolean;
}

/** Why an old boot or build stays. */
export type KeptReason =
  | 'pinned_baseline'
  | 'baseline'
  | 'open_regression'
  | 'issue'
  | 'bisection'
  | 'climb'
  | 'kept_boot';

export interface PruneReport {
  cutoff: string;
  dryRun: boolean;
  /** Removed (or, dry, to be removed). */
  boots: number[];
  builds: number[];
  events: number;
  consoleBytes: number;
  /** Old rows kept, by id, with the first reason found. */
  keptBoots: Record<string, KeptReason>;
  keptBuilds: Record<string, KeptReason>;
}

const ids = async (db: Db, query: SQL): Promise<number[]> =>
  (await rowsOf<{ id: number | string }>(db, query)).map((r) => Number(r.id));

/** Bisection steps' boot or build ids (`key` = bootId or buildId), from state and report. */
const bisectionRefs = (key: 'bootId' | 'buildId') => {
  const path = `$.steps[*].${key} ? (@.type() == "number")`;
  return sql`select (v #>> '{}')::numeric::bigint as id from bisections b,
      lateral (select jsonb_path_query(b.state, ${path}::jsonpath) as v
        union all select jsonb_path_query(coalesce(b.report, '{}'::jsonb), ${path}::jsonpath)) s`;
};

/** Climb attempts' boot or build ids: the ladder on the dashboard links to them. */
const climbRefs = (key: 'bootId' | 'buildId') =>
  sql`select (v #>> '{}')::numeric::bigint as id from climbs c,
      lateral jsonb_path_query(c.state, ${`$.attempts[*].${key} ? (@.type() == "number")`}::jsonpath) v`;

/** Removes old history (or, dry, says what it would remove); one transaction. */
export async function pruneHistory(db: Db, opts: PruneOptions): Promise<PruneReport> {
  return db.transaction(async (tx) => {
    const cutoff = opts.cutoff.toISOString();
    const oldBoots = await ids(
      tx,
      sql`select id from boots where state = 'finished' and started_at < ${cutoff}::timestamptz order by id`,
    );
    const oldBuilds = await ids(
      tx,
      sql`select id from builds where started_at < ${cutoff}::timestamptz order by id`,
    );

    const keptBoots: Record<string, KeptReason> = {};
    const keep = (into: Record<string, KeptReason>, reason: KeptReason, list: number[]) => {
      for (const id of list) into[id] ??= reason;
    };
    keep(keptBoots, 'pinned_baseline', await ids(tx, sql`select boot_id as id from variant_baselines`));
    if (opts.keepBaselines) keep(keptBoots, 'baseline', await ids(tx, implicitBaselineBoots()));
    keep(
      keptBoots,
      'open_regression',
      await ids(
        tx,
        sql`select unnest(array[boot_id, baseline_boot_id]) as id from regressions where status = 'open'`,
      ),
    );
    keep(
      keptBoots,
      'issue',
      await ids(tx, sql`select unnest(array[first_boot_id, last_boot_id]) as id from issues`),
    );
    keep(keptBoots, 'bisection', await ids(tx, bisectionRefs('bootId')));
    keep(keptBoots, 'climb', await ids(tx, climbRefs('bootId')));
    const boots = oldBoots.filter((id) => !(id in keptBoots));

    const keptBuilds: Record<string, KeptReason> = {};
    const gone = sql.param(boots);
    keep(
      keptBuilds,
      'kept_boot',
      await ids(
        tx,
        sql`select distinct build_id as id from boots where build_id is not null and id <> all(${gone}::int[])`,
      ),
    );
    if (opts.keepBaselines)
      keep(
        keptBuilds,
        'baseline',
        await ids(
          tx,
          sql`select distinct on (variant_id) id from builds where status = 'PASS'
            order by variant_id, started_at desc, id desc`,
        ),
      );
    keep(
      keptBuilds,
      'open_regression',
      await ids(
        tx,
        sql`select unnest(array[build_id, baseline_build_id]) as id from regressions where status = 'open'`,
      ),
    );
    keep(keptBuilds, 'bisection', await ids(tx, bisectionRefs('buildId')));
    keep(keptBuilds, 'climb', await ids(tx, climbRefs('buildId')));
    const builds = oldBuilds.filter((id) => !(id in keptBuilds));

    const [size] = await rowsOf<{ events: number; bytes: number }>(
      tx,
      sql`select (select count(*) from events where boot_id = any(${gone}::int[]))::float8 as events,
        (select coalesce(sum(octet_length(data)), 0) from console_chunks where boot_id = any(${gone}::int[]))::float8 as bytes`,
    );
    if (!opts.dryRun) {
      // Events carry no foreign key (ingest speed): they go by hand; the rest cascades.
      await tx.execute(sql`delete from events where boot_id = any(${gone}::int[])`);
      await tx.execute(sql`delete from boots where id = any(${gone}::int[])`);
      await tx.execute(sql`delete from builds where id = any(${sql.param(builds)}::int[])`);
    }
    const only = (kept: Record<string, KeptReason>, old: number[]) =>
      Object.fromEntries(old.filter((id) => id in kept).map((id) => [String(id), kept[id]]));
    return {
      cutoff,
      dryRun: opts.dryRun,
      boots,
      builds,
      events: Number(size.events),
      consoleBytes: Number(size.bytes),
      keptBoots: only(keptBoots, oldBoots),
      keptBuilds: only(keptBuilds, oldBuilds),
    };
  });
}

/**
 * Each variant's implicit baseline, as regression detection picks it: its latest booted
 * boot, else its latest boot with a kernel outcome.
 */
function implicitBaselineBoots(): SQL {
  const outcomes = sql.param([...KERNEL_OUTCOMES]);
  return sql`select distinct on (variant_id) id from boots
    where variant_id is not null and outcome = any(${outcomes}::text[])
    order by variant_id, (outcome = 'booted') desc, started_at desc, id desc`;
}
