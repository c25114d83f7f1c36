/**
 * Issues read back with where and when they appeared and whether they still do (new /
 * known / gone per variant); issue-grouping.ts records them.
 */
import { and, desc, eq, ilike, inArray, or, sql } from 'drizzle-orm';
import type { IssueDetail, IssueStatus, IssueSummary, IssueVariant } from '../../../common/schemas/issues.ts';
import type { Arch } from '../../../common/types/parse.ts';
import type { Db } from '../client.ts';
import { iso } from '../rows.ts';
import { boots, issueBoots, issues, issueVariants, variants } from '../schema/index.ts';
import { earlierBoots, issueVariantStats, latestFinishedBoots } from './variant-history.ts';

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

interface VariantStats {
  issueId: number;
  variantId: number | null;
  variant: string | null;
  count: number;
  firstSeen: Date;
  lastSeen: Date;
  firstBootId: number;
  lastBootId: number;
}

/** A variant's view of an issue: new when it first showed in the variant's latest boot, gone after GONE_AFTER clean boots. */
function judge(s: VariantStats, latest: Map<number, number[]>): { status: IssueStatus; bootsSince: number } {
  const recent = s.variantId != null ? (latest.get(s.variantId) ?? []) : [];
  const at = recent.indexOf(s.lastBootId);
  const bootsSince = at >= 0 ? at : Math.min(recent.length, GONE_AFTER);
  if (bootsSince >= GONE_AFTER) return { status: 'gone', bootsSince };
  return { status: s.firstBootId === recent[0] ? 'new' : 'known', bootsSince };
}

/** An issue's status over its variants: gone when gone everywhere, new when new somewhere. */
function overall(statuses: IssueStatus[]): IssueStatus {
  if (statuses.length && statuses.every((s) => s === 'gone')) return 'gone';
  return statuses.includes('new') ? 'new' : 'known';
}

/** Each issue's overall status, judged now. */
export async function statusesOf(db: Db, ids: number[]): Promise<Map<number, IssueStatus>> {
  const stats = ids.length ? await issueVariantStats(db, ids) : [];
  const latest = await latestFinishedBoots(
    db,
    [...new Set(stats.flatMap((s) => (s.variantId != null ? [s.variantId] : [])))],
    GONE_AFTER,
  );
  const byIssue = new Map<number, IssueStatus[]>();
  for (const s of stats) byIssue.set(s.issueId, [...(byIssue.get(s.issueId) ?? []), judge(s, latest).status]);
  return new Map(ids.map((id) => [id, overall(byIssue.get(id) ?? [])]));
}

const summaryColumns = {
  id: issues.id,
  signature: issues.signature,
  kind: issues.kind,
  title: issues.title,
  file: issues.file,
  firstSeenAt: issues.firstSeenAt,
  lastSeenAt: issues.lastSeenAt,
  count: issues.count,
  firstBootId: issues.firstBootId,
  lastBootId: issues.lastBootId,
};

/** Issues, most recently seen first, filtered; status is judged per variant at read time. */
export async function listIssues(db: Db, f: IssueFilter): Promise<IssueSummary[]> {
  const seenIn = (cond: ReturnType<typeof eq>) =>
    sql`exists (select 1 from ${issueBoots} where ${issueBoots.issueId} = ${issues.id} and ${cond})`;
  const text = f.q ? `%${f.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%` : null;
  const rows = await db
    .select(summaryColumns)
    .from(issues)
    .where(
      and(
        f.kind?.length ? inArray(issues.kind, f.kind) : undefined,
        text
          ? or(ilike(issues.title, text), ilike(issues.signature, text), ilike(issues.file, text))
          : undefined,
        f.boot != null ? seenIn(eq(issueBoots.bootId, f.boot)) : undefined,
        f.variant?.length
          ? sql`exists (select 1 from ${issueVariants} join ${variants} on ${variants.id} = ${issueVariants.variantKey}
              where ${issueVariants.issueId} = ${issues.id} and ${inArray(variants.name, f.variant)})`
          : undefined,
        f.arch?.length
          ? sql`exists (select 1 from ${issueBoots} join ${boots} on ${boots.id} = ${issueBoots.bootId}
              where ${issueBoots.issueId} = ${issues.id} and ${inArray(boots.arch, f.arch as Arch[])})`
          : undefined,
      ),
    )
    .orderBy(desc(issues.lastSeenAt), desc(issues.id))
    // Status is judged after the query: read past the limit so a status filter can still fill it.
    .limit(f.status?.length ? f.limit * 5 : f.limit);
  if (!rows.length) return [];
  const stats = await issueVariantStats(
    db,
    rows.map((r) => r.id),
  );
  const latest = await latestFinishedBoots(
    db,
    [...new Set(stats.flatMap((s) => (s.variantId != null ? [s.variantId] : [])))],
    GONE_AFTER,
  );
  const byIssue = new Map<number, VariantStats[]>();
  for (const s of stats) byIssue.set(s.issueId, [...(byIssue.get(s.issueId) ?? []), s]);
  const out = rows.map((r): IssueSummary => {
    const mine = byIssue.get(r.id) ?? [];
    return {
      id: r.id,
      signature: r.signature,
      kind: r.kind,
      title: r.title,
      file: r.file,
      status: overall(mine.map((s) => judge(s, latest).status)),
      firstSeen: iso(r.firstSeenAt)!,
      lastSeen: iso(r.lastSeenAt)!,
      count: r.count,
      variants: mine.flatMap((s) => (s.variant != null ? [s.variant] : [])).sort(),
      firstBootId: r.firstBootId,
      lastBootId: r.lastBootId,
    };
  });
  return (f.status?.length ? out.filter((i) => f.status!.includes(i.status)) : out).slice(0, f.limit);
}

/** One issue with its variants (each with the boots to compare) and the boots it appeared in. */
export async function getIssue(db: Db, id: number): Promise<IssueDetail | null> {
  const [r] = await db.select(summaryColumns).from(issues).where(eq(issues.id, id));
  if (!r) return null;
  const stats = await issueVariantStats(db, [id]);
  const latest = await latestFinishedBoots(
    db,
    stats.flatMap((s) => (s.variantId != null ? [s.variantId] : [])),
    GONE_AFTER,
  );
  // One query for every variant's last clean boot: an issue can span hundreds of variants.
  const clean = await earlierBoots(
    db,
    stats.map((s) => s.firstBootId),
  );
  const perVariant = stats.map((s): IssueVariant => {
    const j = judge(s, latest);
    return {
      variant: s.variant,
      status: j.status,
      count: s.count,
      firstSeen: iso(s.firstSeen)!,
      lastSeen: iso(s.lastSeen)!,
      firstBootId: s.firstBootId,
      lastBootId: s.lastBootId,
      lastCleanBootId: clean.get(s.firstBootId) ?? null,
      bootsSince: j.bootsSince,
    };
  });
  const seen = await db
    .select({
      bootId: issueBoots.bootId,
      variant: variants.name,
      startedAt: issueBoots.at,
      outcome: boots.outcome,
      line: issueBoots.line,
    })
    .from(issueBoots)
    .innerJoin(boots, eq(boots.id, issueBoots.bootId))
    .leftJoin(variants, eq(variants.id, issueBoots.variantId))
    .where(eq(issueBoots.issueId, id))
    .orderBy(desc(issueBoots.at), desc(issueBoots.bootId))
    .limit(50);
  return {
    id: r.id,
    signature: r.signature,
    kind: r.kind,
    title: r.title,
    file: r.file,
    status: overall(perVariant.map((v) => v.status)),
    firstSeen: iso(r.firstSeenAt)!,
    lastSeen: iso(r.lastSeenAt)!,
    count: r.count,
    firstBootId: r.firstBootId,
    lastBootId: r.lastBootId,
    variants: perVariant.sort((a, b) => (a.variant ?? '').localeCompare(b.variant ?? '')),
    boots: seen.map((s) => ({ ...s, startedAt: iso(s.startedAt)! })),
  };
}
