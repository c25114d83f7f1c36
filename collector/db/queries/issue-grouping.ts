/**
 * Grouping finished boots' failures into issues, set-based: a batch of boots costs one read,
 * one upsert of the issues it shows and one statement that links boots to issues, counts
 * them and marks the boots grouped, however many boots and reports the batch holds. The
 * per-variant summary follows by a statement-level trigger (migrations/0020_*).
 */
import { and, eq, inArray, sql } from 'drizzle-orm';
import { isScratchVariant } from '../../../common/variant-names.ts';
import { FAILURE_EVENT_KINDS, type IssueFinding, issueFindings } from '../../analysis/issue-keys.ts';
import type { Db } from '../client.ts';
import { rowsOf } from '../rows.ts';
import { cleanNullable, cleanText } from '../sanitize.ts';
import { boots, issues, variants } from '../schema/index.ts';

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
  return (await recordIssuesOfBoots(db, [bootId])).get(bootId) ?? null;
}

/** The events issueFindings can key, as a jsonpath filter: healthy probes are most of a boot's events. */
const TROUBLE = sql.raw(
  `'$[*] ? (${FAILURE_EVENT_KINDS.map((k) => (k === 'probe' ? '(@.kind == "probe" && @.ok == false)' : `@.kind == "${k}"`)).join(' || ')})'`,
);

interface Appearance extends IssueFinding {
  bootId: number;
  variantId: number | null;
  at: Date;
}

/**
 * Records the issues of many finished boots at once; the answer has an entry for each boot
 * that was finished. An issue new to the database counts as created by the first of the
 * given boots that shows it. Idempotent: a boot already grouped adds nothing twice.
 */
export async function recordIssuesOfBoots(db: Db, bootIds: number[]): Promise<Map<number, RecordedIssues>> {
  const out = new Map<number, RecordedIssues>();
  if (!bootIds.length) return out;
  const rows = await db
    .select({
      id: boots.id,
      variantId: boots.variantId,
      variant: variants.name,
      outcome: boots.outcome,
      startedAt: boots.startedAt,
      // Only what grouping reads: a crash's report and frames, healthy events, initcalls and
      // milestones stay in the database (a report's text is most of a crash-heavy result).
      hasResult: sql<boolean>`${boots.result} is not null`,
      crashes: sql<Parameters<typeof issueFindings>[0]>`(
        select coalesce(jsonb_agg(jsonb_build_object('kind', c->'kind', 'title', c->'title', 'line', c->'line',
          'signature', c->'signature', 'file', c->'file') order by n), '[]')
        from jsonb_array_elements(${boots.result}->'crashes') with ordinality as x(c, n))`,
      events: sql<Parameters<typeof issueFindings>[1]>`coalesce(
        jsonb_path_query_array(${boots.result}->'events', ${TROUBLE}), '[]')`,
    })
    .from(boots)
    .leftJoin(variants, eq(variants.id, boots.variantId))
    .where(and(inArray(boots.id, bootIds), eq(boots.state, 'finished')));
  const order = new Map(bootIds.map((id, i) => [id, i]));
  rows.sort((a, b) => order.get(a.id)! - order.get(b.id)!);
  const seen: Appearance[] = [];
  for (const b of rows) {
    // A bisection's candidates fail by design: their failures are the bisection's, not issues.
    const list =
      b.hasResult && !isScratchVariant(b.variant)
        ? issueFindings(b.crashes, b.events, b.outcome === 'booted')
        : [];
    out.set(b.id, { count: list.length, created: [] });
    for (const f of list) seen.push({ ...f, bootId: b.id, variantId: b.variantId, at: b.startedAt });
  }
  if (!out.size) return out;
  const grouped = [...out.keys()];
  if (!seen.length) {
    await db.update(boots).set({ issuesGrouped: true }).where(inArray(boots.id, grouped));
    return out;
  }
  const created = await db.transaction(async (tx) => {
    const ids = await upsertIssues(tx, seen);
    await linkBoots(tx, seen, ids.idOf, grouped);
    return ids.created;
  });
  // Each new issue goes to the first boot (in the caller's order) that showed it.
  for (const a of seen) {
    const id = created.get(a.signature);
    if (id == null) continue;
    out.get(a.bootId)!.created.push(id);
    created.delete(a.signature);
  }
  return out;
}

/**
 * One upsert for every signature of the batch, in signature order so concurrent collectors
 * lock shared issue rows in one order (no deadlock). New rows start at count 0 with the
 * batch's first and last appearance; linkBoots counts.
 */
async function upsertIssues(
  db: Db,
  seen: Appearance[],
): Promise<{ idOf: Map<string, number>; created: Map<string, number> }> {
  const first = new Map<string, Appearance>();
  const last = new Map<string, Appearance>();
  for (const a of seen) {
    const f = first.get(a.signature);
    if (!f || before(a, f)) first.set(a.signature, a);
    const l = last.get(a.signature);
    if (!l || before(l, a)) last.set(a.signature, a);
  }
  const sigs = [...first.keys()].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0));
  const col = <T>(f: (s: string) => T) => sql.param(sigs.map(f));
  const rows = await rowsOf<{ id: number; signature: string; inserted: boolean }>(
    db,
    sql`
    insert into ${issues} (signature, kind, title, file, first_seen_at, first_boot_id, last_seen_at, last_boot_id)
    select * from unnest(
      ${col((s) => cleanText(s))}::text[],
      ${col((s) => cleanText(first.get(s)!.kind))}::text[],
      ${col((s) => cleanText(first.get(s)!.title))}::text[],
      ${col((s) => cleanNullable(first.get(s)!.file))}::text[],
      ${col((s) => first.get(s)!.at.toISOString())}::timestamptz[],
      ${col((s) => first.get(s)!.bootId)}::int[],
      ${col((s) => last.get(s)!.at.toISOString())}::timestamptz[],
      ${col((s) => last.get(s)!.bootId)}::int[])
    -- A no-op update, so the existing rows' ids come back too (xmax is 0 for a new row).
    on conflict (signature) do update set signature = excluded.signature
    returning id, signature, xmax = 0 as inserted`,
  );
  const idOf = new Map<string, number>();
  const created = new Map<string, number>();
  // Returned signatures are the cleaned ones: map back through the batch's own spelling.
  const bySig = new Map(rows.map((r) => [r.signature, r]));
  for (const s of sigs) {
    const r = bySig.get(cleanText(s))!;
    idOf.set(s, r.id);
    if (r.inserted) created.set(s, r.id);
  }
  return { idOf, created };
}

/** (at, boot) order: the order of boots in time, ties by id. */
function before(a: Appearance, b: Appearance): boolean {
  const d = a.at.getTime() - b.at.getTime();
  return d < 0 || (d === 0 && a.bootId < b.bootId);
}

/**
 * Links the batch's boots to their issues, adds to each issue's count and first/last seen
 * only what was not linked before (a boot grouped twice counts once), and marks the boots
 * grouped: one statement.
 */
async function linkBoots(
  db: Db,
  seen: Appearance[],
  idOf: Map<string, number>,
  grouped: number[],
): Promise<void> {
  const col = <T>(f: (a: Appearance) => T) => sql.param(seen.map(f));
  await db.execute(sql`
    with added as (
      insert into issue_boots (issue_id, boot_id, variant_id, line, at)
      select * from unnest(
        ${col((a) => idOf.get(a.signature)!)}::int[],
        ${col((a) => a.bootId)}::int[],
        ${col((a) => a.variantId)}::int[],
        ${col((a) => a.line)}::int[],
        ${col((a) => a.at.toISOString())}::timestamptz[]) as f(issue_id, boot_id, variant_id, line, at)
      order by issue_id, boot_id
      on conflict do nothing
      returning issue_id, boot_id, at),
    per as (
      select issue_id, count(*)::int as n,
        min(at) as first_at, (array_agg(boot_id order by at, boot_id))[1] as first_boot,
        max(at) as last_at, (array_agg(boot_id order by at desc, boot_id desc))[1] as last_boot
      from added group by issue_id),
    counted as (
      update ${issues} i set count = i.count + per.n,
        first_seen_at = case when (per.first_at, per.first_boot) < (i.first_seen_at, i.first_boot_id)
          then per.first_at else i.first_seen_at end,
        first_boot_id = case when (per.first_at, per.first_boot) < (i.first_seen_at, i.first_boot_id)
          then per.first_boot else i.first_boot_id end,
        last_seen_at = case when (per.last_at, per.last_boot) > (i.last_seen_at, i.last_boot_id)
          then per.last_at else i.last_seen_at end,
        last_boot_id = case when (per.last_at, per.last_boot) > (i.last_seen_at, i.last_boot_id)
          then per.last_boot else i.last_boot_id end
      from per where i.id = per.issue_id)
    -- Every sub-statement runs to completion whether the main one reads it or not.
    update ${boots} set issues_grouped = true where id = any(${sql.param(grouped)}::int[])`);
}

/** Finished boots whose failures are not grouped yet (stored before issues existed), oldest first. */
export async function ungroupedBoots(
  db: Db,
  limit: number,
): Promise<{ id: number; finishedAt: Date | null }[]> {
  return db
    .select({ id: boots.id, finishedAt: boots.finishedAt })
    .from(boots)
    .where(and(eq(boots.state, 'finished'), eq(boots.issuesGrouped, false)))
    .orderBy(boots.startedAt, boots.id)
    .limit(limit);
}
