/**
 * Turns what detection found into alerts: a regression opened (or a size growth, a broken
 * build), a boot fixed, an issue new in a variant or gone from it. Each alert has a key that
 * says what it is about, so detection running again (another boot, another collector) adds
 * nothing; each new alert is queued for the subscriptions it matches.
 */
import { and, desc, eq, inArray, ne, sql } from 'drizzle-orm';
import type { AlertKind } from '../../common/alert-kinds.ts';
import { setting } from '../../common/settings.ts';
import { bootVerdict } from '../../common/verdict.ts';
import type { RunFacts } from '../analysis/regressions.ts';
import type { Db } from '../db/client.ts';
import { GONE_AFTER } from '../db/queries/issues.ts';
import {
  type AlertRefs,
  alertQueue,
  alerts,
  boots,
  builds,
  issueBoots,
  issues,
  regressions,
  subscriptions,
  variants,
} from '../db/schema/index.ts';
import { nudgeAlerts } from './dispatcher.ts';
import { subscriptionMatches } from './match.ts';

interface NewAlert {
  key: string;
  kind: AlertKind;
  title: string;
  variant: string | null;
  thread: string;
  refs: AlertRefs;
}

const NO_REFS: AlertRefs = { issueId: null, regressionId: null, bootId: null, buildId: null, growth: null };

/** Alerts for the regressions a detection opened and fixed, and for a boot that boots again. */
export async function alertsForDetection(
  db: Db,
  found: { opened: number[]; fixed: number[]; recovered?: { boot: RunFacts; from: RunFacts } | null },
): Promise<void> {
  const ids = [...found.opened, ...found.fixed];
  const rows = ids.length
    ? await db
        .select({ r: regressions, variant: variants.name })
        .from(regressions)
        .innerJoin(variants, eq(variants.id, regressions.variantId))
        .where(inArray(regressions.id, ids))
    : [];
  const out: NewAlert[] = [];
  for (const { r, variant } of rows) {
    const thread = `regression-${r.id}`;
    if (found.fixed.includes(r.id)) {
      // Only what failed the boot's verdict coming back is a boot fixed; other fixes are quiet.
      if (r.kind === 'outcome' || r.kind === 'check')
        out.push({
          key: `boot_fixed:${r.id}`,
          kind: 'boot_fixed',
          title: `${variant}: ${r.kind === 'outcome' ? 'boots' : 'passes'} again (${r.title} fixed)`,
          variant,
          thread,
          refs: { ...NO_REFS, regressionId: r.id, bootId: r.fixedBootId, buildId: r.fixedBuildId },
        });
      continue;
    }
    const kind: AlertKind =
      r.kind === 'build' ? 'build_broken' : r.kind === 'size' ? 'size_over' : 'regression';
    const growth = typeof r.now === 'number' && typeof r.was === 'number' ? r.now - r.was : null;
    out.push({
      key: `${kind}:${r.id}`,
      kind,
      title: `${variant}: ${r.title}`,
      variant,
      thread,
      refs: { ...NO_REFS, regressionId: r.id, bootId: r.bootId, buildId: r.buildId, growth },
    });
  }
  // Without an outcome regression to fix (the variant never booted before), the boot is the news.
  if (found.recovered && !out.some((a) => a.kind === 'boot_fixed'))
    out.push(await recovery(db, found.recovered.boot, found.recovered.from));
  await raise(db, out);
}

/** `check net, check marker`: what failed a run that booted. */
function failedChecks(r: RunFacts): string {
  return (bootVerdict(r)?.failedChecks ?? []).map((c) => `check ${c.name}`).join(', ');
}

/** A boot_fixed for a boot after a failed one, threaded under the failed boot's last issue. */
async function recovery(db: Db, boot: RunFacts, from: RunFacts): Promise<NewAlert> {
  const [last] = await db
    .select({ issueId: issueBoots.issueId })
    .from(issueBoots)
    .where(eq(issueBoots.bootId, from.bootId!))
    .orderBy(desc(issueBoots.line))
    .limit(1);
  return {
    key: `boot_fixed:boot-${boot.bootId}`,
    kind: 'boot_fixed',
    title:
      from.outcome === 'booted'
        ? `${boot.variant}: passes again (the last boot, #${from.bootId}, failed ${failedChecks(from)})`
        : `${boot.variant}: boots again (the last boot, #${from.bootId}, ended ${from.outcome})`,
    variant: boot.variant,
    thread: last ? `issue-${last.issueId}` : `boot-${from.bootId}`,
    refs: { ...NO_REFS, bootId: boot.bootId, buildId: boot.buildId },
  };
}

/**
 * Alerts for a finished boot's issues: new in its variant, or gone from it with this boot.
 * `notYet`: boots grouped with this one in a batch but after it, which must not make its
 * issues old (one by one, they would not have been grouped yet).
 */
export async function alertsForIssues(db: Db, bootId: number, notYet: readonly number[] = []): Promise<void> {
  const [boot] = await db
    .select({ variantId: boots.variantId, variant: variants.name, buildId: boots.buildId })
    .from(boots)
    .leftJoin(variants, eq(variants.id, boots.variantId))
    .where(eq(boots.id, bootId));
  if (!boot) return;
  const mine = db
    .select({ issueId: issueBoots.issueId, variantId: issueBoots.variantId })
    .from(issueBoots)
    .where(eq(issueBoots.bootId, bootId))
    .as('mine');
  // New: no other boot of the variant showed it.
  const fresh = await db
    .select({ id: issues.id, title: issues.title })
    .from(mine)
    .innerJoin(issues, eq(issues.id, mine.issueId))
    .where(
      sql`not exists (select 1 from ${issueBoots} o where o.issue_id = ${mine.issueId}
        and o.variant_id is not distinct from ${mine.variantId} and o.boot_id <> ${bootId}
        and o.boot_id <> all(${sql.param([...notYet])}::int[]))`,
    );
  const out: NewAlert[] = fresh.map((i) => ({
    key: `issue_new:${i.id}:${boot.variantId ?? 0}`,
    kind: 'issue_new',
    title: `${boot.variant ?? 'no variant'}: new issue: ${i.title}`,
    variant: boot.variant,
    thread: `issue-${i.id}`,
    refs: { ...NO_REFS, issueId: i.id, bootId, buildId: boot.buildId },
  }));
  if (boot.variantId != null) out.push(...(await goneWith(db, bootId, boot.variantId, boot.variant)));
  await raise(db, out);
}

/** Issues whose last boot in the variant is exactly GONE_AFTER finished boots behind this one (the newest). */
async function goneWith(
  db: Db,
  bootId: number,
  variantId: number,
  variant: string | null,
): Promise<NewAlert[]> {
  const recent = await db
    .select({ id: boots.id, buildId: boots.buildId })
    .from(boots)
    .where(and(eq(boots.variantId, variantId), eq(boots.state, 'finished')))
    .orderBy(sql`${boots.startedAt} desc, ${boots.id} desc`)
    .limit(GONE_AFTER + 1);
  if (recent.length <= GONE_AFTER || recent[0].id !== bootId) return [];
  const lastSeen = recent[GONE_AFTER].id;
  const cleanIds = recent.slice(0, GONE_AFTER).map((b) => b.id);
  const gone = await db
    .select({ id: issues.id, title: issues.title })
    .from(issueBoots)
    .innerJoin(issues, eq(issues.id, issueBoots.issueId))
    .where(
      and(
        eq(issueBoots.bootId, lastSeen),
        sql`not exists (select 1 from ${issueBoots} o where o.issue_id = ${issueBoots.issueId}
          and ${inArray(sql`o.boot_id`, cleanIds)})`,
      ),
    );
  return gone.map((i) => ({
    key: `issue_gone:${i.id}:${variantId}:${lastSeen}`,
    kind: 'issue_gone',
    title: `${variant}: gone after ${GONE_AFTER} clean boots: ${i.title}`,
    variant,
    thread: `issue-${i.id}`,
    refs: { ...NO_REFS, issueId: i.id, bootId, buildId: recent[0].buildId },
  }));
}

/** The matrix and architecture of the build behind a boot or build. */
async function buildFacts(db: Db, refs: AlertRefs): Promise<{ matrix: string | null; arch: string | null }> {
  let buildId = refs.buildId;
  if (buildId == null && refs.bootId != null)
    [{ buildId = null } = { buildId: null }] = await db
      .select({ buildId: boots.buildId })
      .from(boots)
      .where(eq(boots.id, refs.bootId));
  if (buildId == null) return { matrix: null, arch: null };
  const [b] = await db
    .select({ matrix: builds.matrix, arch: builds.arch })
    .from(builds)
    .where(eq(builds.id, buildId));
  return b ?? { matrix: null, arch: null };
}

/** Stores the alerts not stored yet and queues each for the subscriptions it matches. */
async function raise(db: Db, list: NewAlert[]): Promise<void> {
  if (!list.length) return;
  const rows = [];
  for (const a of list) rows.push({ ...a, ...(await buildFacts(db, a.refs)) });
  const added = await db.insert(alerts).values(rows).onConflictDoNothing({ target: alerts.key }).returning();
  if (!added.length) return;
  const subs = await db.select().from(subscriptions).where(ne(subscriptions.enabled, false));
  const window = setting('BOOTWATCH_ALERT_WINDOW_MS');
  const queued = added.flatMap((a) =>
    subs
      .filter((s) => subscriptionMatches(s, a))
      .map((s) => ({
        subscriptionId: s.id,
        alertId: a.id,
        // The database's clock: every collector then agrees on when a digest window ends.
        dueAt: sql`now() + ${window} * interval '1 millisecond'`,
      })),
  );
  if (!queued.length) return;
  await db.insert(alertQueue).values(queued).onConflictDoNothing();
  nudgeAlerts(db);
}
