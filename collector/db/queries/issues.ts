/**
 * Issues read back with where and when they appeared and whether they still do (new /
 * known / gone per variant); issue-grouping.ts records them. Each list is one statement that
 * judges status in the database and answers raw rows: at a lab's size, hundreds of issues
 * across hundreds of variants, mapping thousands of per-variant rows in JS cost more than
 * the queries.
 */
import { and, desc, eq, ilike, inArray, or, type SQL, sql } from 'drizzle-orm';
import type { IssueDetail, IssueStatus, IssueSummary, IssueVariant } from '../../../common/schemas/issues.ts';
import type { Arch } from '../../../common/types/parse.ts';
import type { Db } from '../client.ts';
import { isoText, rowsOf } from '../rows.ts';
import { boots, issueBoots, issues, issueVariants, variants } from '../schema/index.ts';

/** An issue not seen in this many finished boots of every variant it appeared in is gone. */
export const GONE_AFTER = 5;

export interface IssueFilter {
  status?: IssueStatus[];
  kind?: string[];
  variant?: string[];
  /** Only issues seen in boots of these architectures (`x86_64`, `arm64`, `riscv64`). */
  arch?: string[];
  q?: string;
  boot?: number;
  limit: number;
}

/**
 * CTEs judging each variant the issues `ids` (SQL yielding issue ids) appeared in, as `judged`:
 * `since`, the variant's finished boots since the issue last showed there (its latest
 * GONE_AFTER read by one short index walk per variant), and `status` — gone after GONE_AFTER
 * clean boots, new when it first showed in the variant's latest boot, else known. `overall`
 * holds each issue's status (gone when gone everywhere, new when new somewhere) and variant names.
 */
function judgedCtes(ids: SQL): SQL {
  return sql`seen as materialized (
      select ${issueVariants.issueId} as issue_id, nullif(${issueVariants.variantKey}, 0) as variant_id,
        ${issueVariants.count} as count, ${issueVariants.firstSeenAt} as first_seen_at,
        ${issueVariants.lastSeenAt} as last_seen_at, ${issueVariants.firstBootId} as first_boot_id,
        ${issueVariants.lastBootId} as last_boot_id
      from ${issueVariants} where ${issueVariants.issueId} in (${ids})),
    recent as materialized (
      select x.variant_id, array(select ${boots.id} from ${boots}
          where ${boots.variantId} = x.variant_id and ${boots.state} = 'finished'
          order by ${boots.startedAt} desc, ${boots.id} desc limit ${GONE_AFTER}) as ids
      from (select distinct variant_id from seen where variant_id is not null) x),
    judged as (
      select s.*, ${variants.name} as variant, j.since,
        case when j.since >= ${GONE_AFTER} then 'gone' when s.first_boot_id = r.ids[1] then 'new' else 'known' end as status
      from seen s
      left join recent r on r.variant_id = s.variant_id
      left join ${variants} on ${variants.id} = s.variant_id
      cross join lateral (select coalesce(array_position(r.ids, s.last_boot_id) - 1, cardinality(r.ids), 0) as since) j),
    overall as (
      select issue_id,
        case when bool_and(status = 'gone') then 'gone' when bool_or(status = 'new') then 'new' else 'known' end as status,
        array_agg(variant) filter (where variant is not null) as variants
      from judged group by issue_id)`;
}

/** Each issue's overall status, judged now. */
export async function statusesOf(db: Db, ids: number[]): Promise<Map<number, IssueStatus>> {
  if (!ids.length) return new Map();
  const rows = await rowsOf<{ id: number; status: IssueStatus | null }>(
    db,
    sql`with ${judgedCtes(sql`select unnest(${sql.param(ids)}::int[])`)}
      select x.id, o.status from unnest(${sql.param(ids)}::int[]) x(id) left join overall o on o.issue_id = x.id`,
  );
  // An issue with no variant rows is known, as one with no gone or new variant.
  return new Map(rows.map((r) => [r.id, r.status ?? 'known']));
}

/** The columns both answers share, ISO timestamps made by the database. */
const common = sql`c.id, c.signature, c.kind, c.title, c.file, coalesce(o.status, 'known') as status,
  ${isoText(sql`c.first_seen_at`)} as "firstSeen", ${isoText(sql`c.last_seen_at`)} as "lastSeen", c.count,
  c.first_boot_id as "firstBootId", c.last_boot_id as "lastBootId"`;

type SummaryRow = Omit<IssueSummary, 'variants'> & { variants: string[] | null };

/** Issues, most recently seen first, filtered; status is judged per variant at read time. */
export async function listIssues(db: Db, f: IssueFilter): Promise<IssueSummary[]> {
  const seenIn = (cond: ReturnType<typeof eq>) =>
    sql`exists (select 1 from ${issueBoots} where ${issueBoots.issueId} = ${issues.id} and ${cond})`;
  const text = f.q ? `%${f.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%` : null;
  const where = and(
    f.kind?.length ? inArray(issues.kind, f.kind) : undefined,
    text ? or(ilike(issues.title, text), ilike(issues.signature, text), ilike(issues.file, text)) : undefined,
    f.boot != null ? seenIn(eq(issueBoots.bootId, f.boot)) : undefined,
    f.variant?.length
      ? sql`exists (select 1 from ${issueVariants} join ${variants} on ${variants.id} = ${issueVariants.variantKey}
          where ${issueVariants.issueId} = ${issues.id} and ${inArray(variants.name, f.variant)})`
      : undefined,
    f.arch?.length
      ? sql`exists (select 1 from ${issueBoots} join ${boots} on ${boots.id} = ${issueBoots.bootId}
          where ${issueBoots.issueId} = ${issues.id} and ${inArray(boots.arch, f.arch as Arch[])})`
      : undefined,
  );
  // Status is judged per variant: read past the limit so a status filter can still fill it.
  const candidates = f.status?.length ? f.limit * 5 : f.limit;
  const rows = await rowsOf<SummaryRow>(
    db,
    sql`with candidates as (
        select ${issues.id} as id, ${issues.signature} as signature, ${issues.kind} as kind, ${issues.title} as title,
          ${issues.file} as file, ${issues.firstSeenAt} as first_seen_at, ${issues.lastSeenAt} as last_seen_at,
          ${issues.count} as count, ${issues.firstBootId} as first_boot_id, ${issues.lastBootId} as last_boot_id
        from ${issues} ${where ? sql`where ${where}` : sql``}
        order by ${issues.lastSeenAt} desc, ${issues.id} desc limit ${candidates}),
      ${judgedCtes(sql`select id from candidates`)}
      select ${common}, o.variants from candidates c left join overall o on o.issue_id = c.id
      ${f.status?.length ? sql`where coalesce(o.status, 'known') = any(${sql.param(f.status)}::text[])` : sql``}
      order by c.last_seen_at desc, c.id desc limit ${f.limit}`,
  );
  for (const r of rows) r.variants = r.variants ? r.variants.sort() : [];
  return rows as IssueSummary[];
}

/** An issue's row with one of its variants (null columns: it has none), as getIssue reads them. */
type DetailRow = Omit<IssueDetail, 'variants' | 'boots'> & {
  [K in keyof IssueVariant as `v${Capitalize<K>}`]: IssueVariant[K] | null;
};

/** One issue with its variants (each with the boots to compare) and the boots it appeared in. */
export async function getIssue(db: Db, id: number): Promise<IssueDetail | null> {
  const [rows, seen] = await Promise.all([
    // Each variant's last clean boot: the newest finished boot of the first boot's variant before it.
    rowsOf<DetailRow>(
      db,
      sql`with ${judgedCtes(sql`select ${id}::int`)}
        select ${common}, j.variant as "vVariant", j.status as "vStatus", j.count as "vCount",
          ${isoText(sql`j.first_seen_at`)} as "vFirstSeen", ${isoText(sql`j.last_seen_at`)} as "vLastSeen",
          j.first_boot_id as "vFirstBootId", j.last_boot_id as "vLastBootId", clean.id as "vLastCleanBootId",
          j.since as "vBootsSince"
        from ${issues} c
        left join overall o on o.issue_id = c.id
        left join judged j on j.issue_id = c.id
        left join ${boots} given on given.id = j.first_boot_id
        left join lateral (select p.id from ${boots} p
          where p.variant_id = given.variant_id and p.state = 'finished'
            and (p.started_at, p.id) < (given.started_at, given.id)
          order by p.started_at desc, p.id desc limit 1) clean on true
        where c.id = ${id}
        order by j.variant_id`,
    ),
    db
      .select({
        bootId: issueBoots.bootId,
        variant: variants.name,
        startedAt: isoText(issueBoots.at),
        outcome: boots.outcome,
        line: issueBoots.line,
      })
      .from(issueBoots)
      .innerJoin(boots, eq(boots.id, issueBoots.bootId))
      .leftJoin(variants, eq(variants.id, issueBoots.variantId))
      .where(eq(issueBoots.issueId, id))
      .orderBy(desc(issueBoots.at), desc(issueBoots.bootId))
      .limit(50),
  ]);
  const [r] = rows;
  if (!r) return null;
  const perVariant = rows.flatMap((v): IssueVariant[] =>
    v.vFirstBootId == null
      ? []
      : [
          {
            variant: v.vVariant,
            status: v.vStatus!,
            count: v.vCount!,
            firstSeen: v.vFirstSeen!,
            lastSeen: v.vLastSeen!,
            firstBootId: v.vFirstBootId,
            lastBootId: v.vLastBootId!,
            lastCleanBootId: v.vLastCleanBootId,
            bootsSince: v.vBootsSince!,
          },
        ],
  );
  return {
    id: r.id,
    signature: r.signature,
    kind: r.kind,
    title: r.title,
    file: r.file,
    status: r.status,
    firstSeen: r.firstSeen,
    lastSeen: r.lastSeen,
    count: r.count,
    firstBootId: r.firstBootId,
    lastBootId: r.lastBootId,
    variants: perVariant.sort((a, b) => (a.variant ?? '').localeCompare(b.variant ?? '')),
    boots: seen,
  };
}
