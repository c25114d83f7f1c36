/**
 * What a delivery says, whatever carries it: a subject, the plain text (the regression report
 * with its evidence lines, config and size diffs; an issue's log excerpt) and the links to the
 * dashboard. Mail sends the text as is; webhooks carry it next to the alerts as data.
 */
import { and, eq, inArray } from 'drizzle-orm';
import { gatherReport, type ReportSource } from '../../common/report/gather-report.ts';
import { formatReport } from '../../common/report/report-format.ts';
import type { AlertItem } from '../../common/schemas/subscriptions.ts';
import type { RegressionItem } from '../../common/types/api.ts';
import type { Db } from '../db/client.ts';
import { getBootFacts } from '../db/queries/boots.ts';
import { listConsoleLines } from '../db/queries/console.ts';
import { listRegressions } from '../db/queries/regressions.ts';
import { iso } from '../db/rows.ts';
import { alerts, issueBoots } from '../db/schema/index.ts';
import { regressionDiffs } from '../regressions/regression-diffs.ts';

type AlertRow = typeof alerts.$inferSelect;

export interface Message {
  subject: string;
  text: string;
  items: AlertItem[];
  /** The issue or regression thread, when every alert is about the same one. */
  thread: string | null;
  /** True when this message opens its thread (a new issue or regression, not a follow-up). */
  opensThread: boolean;
}

const EXCERPT_BEFORE = 5;
const EXCERPT_LINES = 12;

const OPENERS = new Set(['regression', 'issue_new', 'size_over', 'build_broken']);

/** The dashboard page an alert is best read on. */
function pageOf(a: AlertRow, base: string | null): string | null {
  if (!base) return null;
  if (a.refs.issueId != null) return `${base}/issues/${a.refs.issueId}`;
  if (a.refs.bootId != null) return `${base}/boots/${a.refs.bootId}`;
  if (a.refs.buildId != null) return `${base}/builds/${a.refs.buildId}`;
  return base;
}

/** An alert as the API and webhooks show it. */
export function alertItem(a: AlertRow, base: string | null): AlertItem {
  return {
    id: a.id,
    kind: a.kind,
    title: a.title,
    variant: a.variant,
    matrix: a.matrix,
    arch: a.arch,
    issueId: a.refs.issueId,
    regressionId: a.refs.regressionId,
    bootId: a.refs.bootId,
    buildId: a.refs.buildId,
    url: pageOf(a, base),
    createdAt: iso(a.createdAt)!,
  };
}

/** The report of the delivery's regressions, in `bootwatch report`'s words. */
async function regressionReport(db: Db, list: AlertRow[], base: string | null): Promise<string> {
  const ids = new Set(list.map((a) => a.refs.regressionId!));
  const bootIds = [...new Set(list.flatMap((a) => (a.refs.bootId != null ? [a.refs.bootId] : [])))];
  const buildIds = [...new Set(list.flatMap((a) => (a.refs.buildId != null ? [a.refs.buildId] : [])))];
  const byId = new Map<number, RegressionItem>();
  const source: ReportSource = {
    touched: async (boots, builds) => {
      const found = await listRegressions(db, { bootIds: boots, buildIds: builds, limit: 1000 });
      for (const r of found) if (ids.has(r.id)) byId.set(r.id, r);
      return [...byId.values()];
    },
    diffs: async (id) => {
      const r = byId.get(id);
      return r ? regressionDiffs(db, r) : { config: null, size: null };
    },
    diagnosis: async (bootId) => (await getBootFacts(db, bootId))?.result?.diagnosis ?? [],
  };
  return formatReport(await gatherReport(source, { title: 'bootwatch', bootIds, buildIds, baseUrl: base }));
}

/** The console lines around where an issue shows in a boot. */
async function excerpt(db: Db, issueId: number, bootId: number): Promise<string[]> {
  const [at] = await db
    .select({ line: issueBoots.line })
    .from(issueBoots)
    .where(and(eq(issueBoots.issueId, issueId), eq(issueBoots.bootId, bootId)));
  if (!at) return [];
  const lines = await listConsoleLines(db, bootId, Math.max(1, at.line - EXCERPT_BEFORE), EXCERPT_LINES);
  return lines.map((l) => `    ${l.line === at.line ? '>' : ' '}L${l.line}: ${l.text}`);
}

/** The message for these alerts (one, or a digest). */
export async function composeMessage(db: Db, ids: number[], base: string | null): Promise<Message> {
  const list = await db.select().from(alerts).where(inArray(alerts.id, ids)).orderBy(alerts.id);
  const items = list.map((a) => alertItem(a, base));
  const out: string[] = [];
  if (list.length > 1)
    out.push(`${list.length} alerts fired together:`, ...list.map((a) => `  - ${a.title}`), '');
  // Regressions read as `bootwatch report` prints them; issues with their console lines.
  const regs = list.filter((a) => a.refs.regressionId != null);
  if (regs.length) {
    out.push(await regressionReport(db, regs, base));
    const pages = [...new Set(regs.flatMap((a) => pageOf(a, base) ?? []))];
    if (pages.length) out.push('Dashboard:', ...pages.map((p) => `    ${p}`), '');
  }
  for (const a of list.filter((x) => x.refs.regressionId == null)) {
    out.push(`== ${a.title}`);
    const page = pageOf(a, base);
    if (page) out.push(`   ${page}`);
    if (a.refs.issueId != null && a.kind === 'issue_new' && a.refs.bootId != null) {
      const lines = await excerpt(db, a.refs.issueId, a.refs.bootId);
      if (lines.length) out.push('', `  Boot #${a.refs.bootId}, console:`, ...lines);
    }
    out.push('');
  }
  const threads = new Set(list.map((a) => a.thread));
  const thread = threads.size === 1 ? list[0].thread : null;
  return {
    subject:
      list.length === 1
        ? `[bootwatch] ${list[0].title}`
        : `[bootwatch] ${list.length} alerts: ${summary(list)}`,
    text: `${out.join('\n').replace(/\n+$/, '')}\n`,
    items,
    thread,
    opensThread: thread != null && list.length === 1 && OPENERS.has(list[0].kind),
  };
}

/** `3 regression, 1 issue_new`: what a digest holds, by kind. */
function summary(list: AlertRow[]): string {
  const n = new Map<string, number>();
  for (const a of list) n.set(a.kind, (n.get(a.kind) ?? 0) + 1);
  return [...n].map(([k, c]) => `${c} ${k.replace('_', ' ')}`).join(', ');
}

/** A delivery's id as receivers see it (X-Bootwatch-Delivery, a webhook's `id`): the same on every retry. */
export function stableId(deliveryId: number): string {
  return `bootwatch-delivery-${deliveryId}`;
}
