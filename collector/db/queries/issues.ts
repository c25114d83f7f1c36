/**
 * Issues: a boot's failures recorded by signature once it finishes, and read back with
 * where and when they appeared and whether they still do (new / known / gone per variant).
 */
import { and, desc, eq, ilike, inArray, or, sql } from 'drizzle-orm';
import type { IssueDetail, IssueStatus, IssueSummary, IssueVariant } from '../../../common/schemas/issues.ts';
import type { Arch } from '../../../common/types/parse.ts';
import { isScratchVariant } from '../../../common/variant-names.ts';
import { issueFindings } from '../../analysis/issue-keys.ts';
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

/** What recording a boot's issues did. */
export interface RecordedIssues {
  /** Issues the boot showed. */
  count: number;
  /** Ids of the issues it showed first of all boots (new rows). */
  created: number[];
}

/**
 * Records the issues of a finished boot and marks the boot grouped. Idempotent per boot;
 * null when the boot is not finished (nothing to group yet).
 */
export async function recordBootIssues(db: Db, bootId: number): Promise<RecordedIssues | null> {
  const found = await findingsOf(db, bootId);
  if (!found) return null;
  const created = found.list.length ? await storeFindings(db, bootId, found) : [];
  await db.update(boots).set({ issuesGrouped: true }).where(eq(boots.id, bootId));
  return { count: found.list.length, created };
}

interface BootFindings {
  list: ReturnType<typeof issueFindings>;
  variantId: number | null;
  startedAt: Date;
}

async function findingsOf(db: Db, bootId: number): Promise<BootFindings | null> {
  const [b] = await db
    .select({
      variantId: boots.variantId,
      variant: variants.name,
      state: boots.state,
      outcome: boots.outcome,
      startedAt: boots.startedAt,
      result: boots.result,
    })
    .from(boots)
    .leftJoin(variants, eq(variants.id, boots.variantId))
    .where(eq(boots.id, bootId));
  if (b?.state !== 'finished') return null;
  // A bisection's candidates fail by design: their failures are the bisection's, not issues.
  if (!b.result || isScratchVariant(b.variant))
    return { list: [], variantId: b.variantId, startedAt: b.startedAt };
  // In signature order: concurrent collectors then lock shared issue rows in one order (no deadlock).
  const list = issueFindings(b.result.crashes, b.result.events, b.outcome === 'booted').sort((x, y) =>
    x.signature < y.signature ? -1 : x.signature > y.signature ? 1 : 0,
  );
  return { list, variantId: b.variantId, startedAt: b.startedAt };
}

async function storeFindings(db: Db, bootId: number, b: BootFindings): Promise<number[]> {
  const found = b.list;
  return db.transaction(async (tx) => {
    const rows = await tx
      .insert(issues)
      .values(
        found.map((f) => ({
          signature: f.signature,
          kind: f.kind,
          title: f.title,
          file: f.file,
          firstSeenAt: b.startedAt,
          lastSeenAt: b.startedAt,
          firstBootId: bootId,
          lastBootId: bootId,
        })),
      )
      // A no-op update, so the existing rows' ids come back too (xmax is 0 for a new row).
      .onConflictDoUpdate({ target: issues.signature, set: { signature: sql`excluded.signature` } })
      .returning({ id: issues.id, signature: issues.signature, inserted: sql<boolean>`xmax = 0` });
    const created = rows.filter((r) => r.inserted).map((r) => r.id);
    const idOf = new Map(rows.map((r) => [r.signature, r.id]));
    const added = await tx
      .insert(issueBoots)
      .values(
        found.map((f) => ({
          issueId: idOf.get(f.signature)!,
          bootId,
          variantId: b.variantId,
          line: f.line,
          at: b.startedAt,
        })),
      )
      .onConflictDoNothing()
      .returning({ issueId: issueBoots.issueId });
    if (!added.length) return created;
    const at = b.startedAt;
    await tx
      .update(issues)
      .set({
        count: sql`${issues.count} + 1`,
        firstBootId: sql`case when ${at} < ${issues.firstSeenAt} then ${bootId} else ${issues.firstBootId} end`,
        firstSeenAt: sql`least(${issues.firstSeenAt}, ${at})`,
        lastBootId: sql`case when ${at} >= ${issues.lastSeenAt} then ${bootId} else ${issues.lastBootId} end`,
        lastSeenAt: sql`greatest(${issues.lastSeenAt}, ${at})`,
      })
      .where(
        inArray(
          issues.id,
          added.map((a) => a.issueId),
        ),
      );
    return created;
  });
}

/** Finished boots whose failures are not grouped yet (stored before issues existed), oldest first. */
export async function ungroupedBoots(db: Db, limit: number): Promise<number[]> {
  const rows = await db
    .select({ id: boots.id })
    .from(boots)
    .where(and(eq(boots.state, 'finished'), eq(boots.issuesGrouped, false)))
    .orderBy(boots.startedAt, boots.id)
    .limit(limit);
  return rows.map((r) => r.id);
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
