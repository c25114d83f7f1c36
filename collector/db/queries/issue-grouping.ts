/**
 * Grouping finished boots' failures into issues, set-based: a batch of boots costs one read
 * and one statement that upserts the issues it shows, links boots to them and marks the
 * boots grouped, however many boots and reports the batch holds; one boot costs the same
 * two. Counts and first/last seen, per issue and per variant, follow by issue_boots'
 * statement-level trigger (migrations/0026_*).
 */
import { and, eq, inArray, sql } from 'drizzle-orm';
import type { BootEvent, Crash } from '../../../common/types/parse.ts';
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
  `'$.events[*] ? (${FAILURE_EVENT_KINDS.map((k) => (k === 'probe' ? '(@.kind == "probe" && @.ok == false)' : `@.kind == "${k}"`)).join(' || ')})'`,
);

/** A crash as grouping reads it: kind, title, line, signature, file, its place in the boot's list. */
type CrashTuple = [Crash['kind'], string, number, string | null, string | null, number];

interface Appearance extends IssueFinding {
  bootId: number;
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
      // In array order by its ordinal (sorted here: a sort in the query cost one per boot).
      crashes: sql<CrashTuple[]>`(
        select coalesce(json_agg(json_build_array(kind, title, line, signature, file, n)), '[]')
        from rows from (jsonb_to_recordset(d.r->'crashes')
          as (kind text, title text, line int, signature text, file text)) with ordinality as x(kind, title, line, signature, file, n))`,
      events: sql<BootEvent[]>`coalesce(jsonb_path_query_array(d.r, ${TROUBLE}), '[]')`,
    })
    .from(boots)
    // The result detoasted (decompressed) once for both reads: each `->` on the column would
    // decompress all of it again, and that was most of the read. `offset 0` keeps it a step.
    .innerJoin(sql`lateral (select ${boots.result} || '{}'::jsonb as r offset 0) d`, sql`true`)
    .leftJoin(variants, eq(variants.id, boots.variantId))
    .where(and(sql`${boots.id} = any(${sql.param(bootIds)}::int[])`, eq(boots.state, 'finished')));
  const order = new Map(bootIds.map((id, i) => [id, i]));
  rows.sort((a, b) => order.get(a.id)! - order.get(b.id)!);
  const seen: Appearance[] = [];
  const grouped: { id: number; variantId: number | null; at: Date }[] = [];
  for (const b of rows) {
    // A bisection's candidates fail by design: their failures are the bisection's, not issues.
    const list =
      b.hasResult && !isScratchVariant(b.variant)
        ? issueFindings(
            b.crashes
              .sort((x, y) => x[5] - y[5])
              .map(([kind, title, line, signature, file]) => ({
                kind,
                title,
                line,
                signature: signature ?? '',
                file,
              })),
            b.events,
            b.outcome === 'booted',
          )
        : [];
    out.set(b.id, { count: list.length, created: [] });
    grouped.push({ id: b.id, variantId: b.variantId, at: b.startedAt });
    // Keyed as stored: two spellings that clean alike are one issue.
    for (const f of list)
      seen.push({ ...f, signature: cleanText(f.signature), bootId: b.id, at: b.startedAt });
  }
  if (!grouped.length) return out;
  if (!seen.length) {
    await db
      .update(boots)
      .set({ issuesGrouped: true })
      .where(inArray(boots.id, [...out.keys()]));
    return out;
  }
  const created = await storeAppearances(db, seen, grouped);
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
 * One statement, atomic without a transaction of its own: upserts every signature of the
 * batch (new rows start at count 0 with the batch's first and last appearance), links the
 * boots to their issues and marks the boots grouped. Links not made before are counted, per
 * issue and per variant, by issue_boots' statement trigger (migrations/0026_*), so a boot
 * grouped twice counts once. Answers the ids of the issues it created, by signature.
 */
async function storeAppearances(
  db: Db,
  seen: Appearance[],
  grouped: { id: number; variantId: number | null; at: Date }[],
): Promise<Map<string, number>> {
  const first = new Map<string, Appearance>();
  const last = new Map<string, Appearance>();
  for (const a of seen) {
    const f = first.get(a.signature);
    if (!f || before(a, f)) first.set(a.signature, a);
    const l = last.get(a.signature);
    if (!l || before(l, a)) last.set(a.signature, a);
  }
  // Signature order, so concurrent collectors lock shared issue rows in one order (no deadlock).
  const sigs = [...first.keys()].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0));
  const sigIndex = new Map(sigs.map((s, i) => [s, i + 1]));
  const param = <T, R>(list: T[], f: (x: T) => R) => sql.param(list.map(f));
  const rows = await rowsOf<{ id: number; signature: string }>(
    db,
    sql`
    with sig as (
      select * from unnest(
        ${param(sigs, (s) => s)}::text[],
        ${param(sigs, (s) => cleanText(first.get(s)!.kind))}::text[],
        ${param(sigs, (s) => cleanText(first.get(s)!.title))}::text[],
        ${param(sigs, (s) => cleanNullable(first.get(s)!.file))}::text[],
        ${param(sigs, (s) => first.get(s)!.at.toISOString())}::timestamptz[],
        ${param(sigs, (s) => first.get(s)!.bootId)}::int[],
        ${param(sigs, (s) => last.get(s)!.at.toISOString())}::timestamptz[],
        ${param(sigs, (s) => last.get(s)!.bootId)}::int[])
        with ordinality as s(signature, kind, title, file, first_at, first_boot, last_at, last_boot, n)),
    up as (
      insert into ${issues} (signature, kind, title, file, first_seen_at, first_boot_id, last_seen_at, last_boot_id)
      select signature, kind, title, file, first_at, first_boot, last_at, last_boot from sig order by n
      -- A no-op update, so the existing rows' ids come back too (xmax is 0 for a new row).
      on conflict (signature) do update set signature = excluded.signature
      returning id, signature, xmax = 0 as inserted),
    boot as (
      select * from unnest(
        ${param(grouped, (b) => b.id)}::int[],
        ${param(grouped, (b) => b.variantId)}::int[],
        ${param(grouped, (b) => b.at.toISOString())}::timestamptz[]) as b(id, variant_id, at)),
    linked as (
      insert into issue_boots (issue_id, boot_id, variant_id, line, at)
      select up.id, f.boot_id, boot.variant_id, f.line, boot.at
      from unnest(
        ${param(seen, (a) => sigIndex.get(a.signature)!)}::int[],
        ${param(seen, (a) => a.bootId)}::int[],
        ${param(seen, (a) => a.line)}::int[]) as f(sig, boot_id, line)
      join sig on sig.n = f.sig
      join up on up.signature = sig.signature
      join boot on boot.id = f.boot_id
      order by up.id, f.boot_id
      on conflict do nothing),
    marked as (
      update ${boots} set issues_grouped = true where id in (select id from boot))
    -- Every sub-statement runs to completion whether the main one reads it or not.
    select id, signature from up where inserted`,
  );
  return new Map(rows.map((r) => [r.signature, r.id]));
}

/** (at, boot) order: the order of boots in time, ties by id. */
function before(a: Appearance, b: Appearance): boolean {
  const d = a.at.getTime() - b.at.getTime();
  return d < 0 || (d === 0 && a.bootId < b.bootId);
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
