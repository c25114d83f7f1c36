/** What the exports read: builds and boots for KCIDB, latest figures per variant, a matrix run's boots. */
import { and, asc, count, desc, eq, inArray, sql } from 'drizzle-orm';
import type { MatrixRunInput } from '../../../common/types/api.ts';
import type { KcidbBootInput, KcidbBuildInput, KcidbIssueInput } from '../../analysis/kcidb.ts';
import type { VariantMetrics } from '../../analysis/metrics.ts';
import type { Db } from '../client.ts';
import { iso, isRowId } from '../rows.ts';
import { cleanJson, cleanText } from '../sanitize.ts';
import {
  boots,
  builds,
  crashes,
  issueBoots,
  issues,
  kernelSources,
  matrixRuns,
  NO_SUBMITTER,
  regressions,
  type Submitter,
  variants,
} from '../schema/index.ts';

/** The newest builds (of the named variants), for KCIDB. */
export async function exportBuilds(
  db: Db,
  opts: { limit: number; variants?: string[] },
): Promise<KcidbBuildInput[]> {
  const rows = await db
    .select({
      id: builds.id,
      variant: variants.name,
      status: builds.status,
      startedAt: builds.startedAt,
      wallMs: builds.wallMs,
      arch: builds.arch,
      compiler: builds.compiler,
      command: builds.command,
      baseConfig: builds.baseConfig,
      fragments: builds.fragments,
      hasConfig: sql<boolean>`${builds.configId} is not null`,
      logTail: builds.logTail,
      errors: builds.errors,
      image: builds.imageSize,
      vmlinux: builds.vmlinuxSize,
      text: builds.textSize,
      data: builds.dataSize,
      bss: builds.bssSize,
      srcName: kernelSources.name,
      srcVersion: kernelSources.version,
      srcCommit: kernelSources.commit,
      srcPath: kernelSources.path,
    })
    .from(builds)
    .innerJoin(variants, eq(variants.id, builds.variantId))
    .leftJoin(kernelSources, eq(kernelSources.id, builds.sourceId))
    .where(opts.variants?.length ? inArray(variants.name, opts.variants) : undefined)
    .orderBy(desc(builds.startedAt), desc(builds.id))
    .limit(opts.limit);
  return rows.map((r) => ({
    id: r.id,
    variant: r.variant,
    status: r.status,
    startedAt: iso(r.startedAt)!,
    wallMs: r.wallMs,
    arch: r.arch,
    compiler: r.compiler,
    command: r.command,
    baseConfig: r.baseConfig,
    fragments: r.fragments.map((f) => f.name),
    hasConfig: r.hasConfig,
    logTail: r.logTail,
    errors: r.errors,
    sizes: { image: r.image, vmlinux: r.vmlinux, text: r.text, data: r.data, bss: r.bss },
    source: r.srcName
      ? { name: r.srcName, version: r.srcVersion, commit: r.srcCommit, url: r.srcPath }
      : null,
  }));
}

const bootColumns = {
  id: boots.id,
  buildId: boots.buildId,
  variant: variants.name,
  target: boots.target,
  machine: boots.machine,
  accel: boots.accel,
  outcome: boots.outcome,
  status: boots.status,
  endReason: boots.endReason,
  checks: boots.checks,
  startedAt: boots.startedAt,
  durationMs: boots.durationMs,
  milestones: boots.milestones,
  panicReason: sql<string | null>`${boots.panic}->>'reason'`,
  topDiagnosis: boots.topDiagnosis,
};

function selectBoots(db: Db) {
  return db.select(bootColumns).from(boots).leftJoin(variants, eq(variants.id, boots.variantId)).$dynamic();
}

type BootRow = Awaited<ReturnType<typeof selectBoots>>[number];

async function bootsWithCrashes(db: Db, rows: BootRow[]) {
  const found = new Map<number, { title: string; kind: string; report: string[] }[]>();
  if (rows.length) {
    const list = await db
      .select({ bootId: crashes.bootId, title: crashes.title, kind: crashes.kind, report: crashes.report })
      .from(crashes)
      .where(
        inArray(
          crashes.bootId,
          rows.map((r) => r.id),
        ),
      )
      .orderBy(asc(crashes.bootId), asc(crashes.seq));
    for (const c of list) {
      const l = found.get(c.bootId) ?? [];
      l.push({ title: c.title, kind: c.kind, report: c.report });
      found.set(c.bootId, l);
    }
  }
  return rows.map((r) => ({ row: r, crashes: found.get(r.id) ?? [] }));
}

/** The finished boots of the given builds, for KCIDB. */
export async function exportBoots(db: Db, buildIds: number[]): Promise<KcidbBootInput[]> {
  if (!buildIds.length) return [];
  const rows = await selectBoots(db)
    .where(and(inArray(boots.buildId, buildIds), eq(boots.state, 'finished')))
    .orderBy(asc(boots.startedAt), asc(boots.id));
  const grouped = await issuesOfBoots(
    db,
    rows.map((r) => r.id),
  );
  return (await bootsWithCrashes(db, rows)).map(({ row: r, crashes }) => ({
    ...r,
    startedAt: iso(r.startedAt)!,
    milestones: r.milestones ?? {},
    crashes,
    ...(grouped.has(r.id) ? { issues: grouped.get(r.id) } : {}),
  }));
}

/** The issues each grouped boot was grouped into, in console order (ungrouped boots absent). */
async function issuesOfBoots(db: Db, bootIds: number[]): Promise<Map<number, KcidbIssueInput[]>> {
  const out = new Map<number, KcidbIssueInput[]>();
  if (!bootIds.length) return out;
  const grouped = await db
    .select({ id: boots.id })
    .from(boots)
    .where(and(inArray(boots.id, bootIds), eq(boots.issuesGrouped, true)));
  for (const b of grouped) out.set(b.id, []);
  const list = await db
    .select({
      bootId: issueBoots.bootId,
      signature: issues.signature,
      kind: issues.kind,
      title: issues.title,
      file: issues.file,
      firstSeen: issues.firstSeenAt,
      lastSeen: issues.lastSeenAt,
      count: issues.count,
    })
    .from(issueBoots)
    .innerJoin(issues, eq(issues.id, issueBoots.issueId))
    .where(inArray(issueBoots.bootId, bootIds))
    .orderBy(asc(issueBoots.bootId), asc(issueBoots.line));
  for (const { bootId, ...i } of list) out.get(bootId)?.push(i);
  return out;
}

/** Each variant's latest build and boot figures, for /metrics. */
export async function variantMetrics(db: Db): Promise<VariantMetrics[]> {
  const lb = db
    .select({
      status: builds.status,
      wallMs: builds.wallMs,
      image: builds.imageSize,
      vmlinux: builds.vmlinuxSize,
      text: builds.textSize,
      data: builds.dataSize,
      bss: builds.bssSize,
    })
    .from(builds)
    .where(eq(builds.variantId, variants.id))
    .orderBy(desc(builds.startedAt), desc(builds.id))
    .limit(1)
    .as('lb');
  const bo = db
    .select({
      outcome: boots.outcome,
      status: boots.status,
      endReason: boots.endReason,
      checks: boots.checks,
      startedAt: boots.startedAt,
    })
    .from(boots)
    .where(and(eq(boots.variantId, variants.id), eq(boots.state, 'finished')))
    .orderBy(desc(boots.startedAt), desc(boots.id))
    .limit(1)
    .as('bo');
  // The newest boot that reached init, which need not be the newest boot.
  const initStart = db
    .select({ t: sql<number>`(${boots.milestones}->>'init_start')::float8` })
    .from(boots)
    .where(
      and(
        eq(boots.variantId, variants.id),
        eq(boots.state, 'finished'),
        sql`${boots.milestones} ? 'init_start'`,
      ),
    )
    .orderBy(desc(boots.startedAt), desc(boots.id))
    .limit(1);
  const open = db
    .select({ n: count() })
    .from(regressions)
    .where(and(eq(regressions.variantId, variants.id), eq(regressions.status, 'open')));
  const rows = await db
    .select({
      variant: variants.name,
      status: lb.status,
      wallMs: lb.wallMs,
      image: lb.image,
      vmlinux: lb.vmlinux,
      text: lb.text,
      data: lb.data,
      bss: lb.bss,
      outcome: bo.outcome,
      bootStatus: bo.status,
      endReason: bo.endReason,
      checks: bo.checks,
      bootAt: bo.startedAt,
      initStart: sql<number | null>`(${initStart})`,
      open: sql<number>`(${open})`,
    })
    .from(variants)
    .leftJoinLateral(lb, sql`true`)
    .leftJoinLateral(bo, sql`true`)
    .orderBy(variants.name);
  return rows.map((r) => ({
    variant: r.variant,
    sizes: { image: r.image, vmlinux: r.vmlinux, text: r.text, data: r.data, bss: r.bss },
    buildSeconds: r.wallMs != null ? r.wallMs / 1000 : null,
    buildOk: r.status == null ? null : r.status === 'PASS',
    timeToInit: r.initStart == null ? null : Number(r.initStart),
    outcome: r.outcome,
    status: r.bootStatus,
    endReason: r.endReason,
    checks: r.checks ?? [],
    bootTimestamp: r.bootAt ? r.bootAt.getTime() / 1000 : null,
    openRegressions: Number(r.open),
  }));
}

/** Records one `bootwatch run`; returns its id. */
export async function insertRun(
  db: Db,
  input: MatrixRunInput,
  by: Submitter = NO_SUBMITTER,
): Promise<number> {
  const [row] = await db
    .insert(matrixRuns)
    .values({
      matrix: cleanText(input.matrix),
      bootIds: input.results.flatMap((r) => (r.bootId != null ? [r.bootId] : [])),
      buildIds: [...new Set(input.results.flatMap((r) => (r.buildId != null ? [r.buildId] : [])))],
      results: cleanJson(input.results.map(({ variant, outcome, bootId }) => ({ variant, outcome, bootId }))),
      ...by,
    })
    .returning({ id: matrixRuns.id });
  return row.id;
}

/** A recorded run (the newest for `latest`) with its boots and their crash and diagnosis lines. */
export async function runWithBoots(db: Db, id: number | 'latest') {
  const [run] = await db
    .select({
      id: matrixRuns.id,
      matrix: matrixRuns.matrix,
      createdAt: matrixRuns.createdAt,
      results: matrixRuns.results,
      buildIds: matrixRuns.buildIds,
      submittedBy: matrixRuns.submittedBy,
    })
    .from(matrixRuns)
    .where(id === 'latest' ? undefined : eq(matrixRuns.id, id))
    .orderBy(desc(matrixRuns.createdAt), desc(matrixRuns.id))
    .limit(1);
  if (!run) return null;
  // Runs stored before ids were bounded may name ids no boot can have: skip them, never fail.
  const ids = run.results.flatMap((r) => (isRowId(r.bootId) ? [r.bootId] : []));
  const rows = ids.length ? await selectBoots(db).where(inArray(boots.id, ids)) : [];
  const found = new Map((await bootsWithCrashes(db, rows)).map((b) => [b.row.id, b]));
  return {
    id: run.id,
    matrix: run.matrix,
    at: iso(run.createdAt)!,
    submittedBy: run.submittedBy,
    results: run.results,
    buildIds: run.buildIds,
    boots: found,
  };
}
