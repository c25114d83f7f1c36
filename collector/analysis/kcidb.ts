/**
 * KCIDB v5.3 export: kernel sources become checkouts, builds builds (with duration, config
 * and status), boots `boot` tests with PASS/FAIL/ERROR/MISS, measurements numeric `DONE`
 * sub-tests, the grouped issues (first and last seen, count) with one incident per boot that
 * showed them. Validated against the schema
 * kcidb-io publishes, so results can be submitted to KernelCI as they are.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Ajv, type ErrorObject } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { fromRoot } from '../../common/repo-root.ts';
import type { BootCheck, BootOutcome, ImageSizes, Status } from '../../common/types/ingest.ts';
import type { CrashKind, Milestones } from '../../common/types/parse.ts';
import { bootVerdict, describeCheck } from '../../common/verdict.ts';
import { crashSignature } from '../parser/crash-title.ts';

export interface KcidbSourceInput {
  name: string;
  version: string | null;
  commit: string | null;
  /** Where the tree came from, when it is a URL. */
  url?: string | null;
}

export interface KcidbBuildInput {
  id: number;
  variant: string;
  status: Status;
  startedAt: Date | string;
  wallMs: number | null;
  arch: string | null;
  compiler: string | null;
  command: string | null;
  baseConfig: string | null;
  fragments: string[];
  /** Whether the full .config is stored (and so served at config_url). */
  hasConfig: boolean;
  logTail: string | null;
  errors: string[];
  sizes: ImageSizes;
  source: KcidbSourceInput | null;
}

export interface KcidbBootInput {
  id: number;
  buildId: number | null;
  variant: string | null;
  target: string;
  machine: string | null;
  accel: string | null;
  outcome: BootOutcome | null;
  status: Status | null;
  endReason: string | null;
  checks: BootCheck[];
  startedAt: Date | string;
  durationMs: number | null;
  milestones: Milestones;
  panicReason: string | null;
  crashes: { title: string; kind: string; report?: string[] }[];
  /** The issues the boot was grouped into; absent while it is not grouped yet (its crashes stand in). */
  issues?: KcidbIssueInput[];
}

/** A grouped issue (collector/db/queries/issues.ts) as KCIDB gets it. */
export interface KcidbIssueInput {
  signature: string;
  kind: string;
  title: string;
  file: string | null;
  firstSeen: Date | string;
  lastSeen: Date | string;
  /** Boots it appeared in, all of them (not only the exported ones). */
  count: number;
}

// Hand-written mirror of the schema's shapes (kcidb-schema.v5.3.json is the authority).
export interface KcidbNumber {
  value: number;
  unit?: string;
  prefix?: 'metric' | 'binary';
}
export type KcidbObject = Record<string, unknown>;
export interface KcidbData {
  version: { major: 5; minor: 3 };
  checkouts: KcidbObject[];
  builds: KcidbObject[];
  tests: KcidbObject[];
  issues: KcidbObject[];
  incidents: KcidbObject[];
}

export interface KcidbOptions {
  /** The CI system's name in KCIDB (`[a-z0-9_]+`). */
  origin?: string;
  /** Absolute public base URL of this collector, for log and config links. */
  baseUrl?: string | null;
}

/** KCIDB strings may not hold NUL characters. */
const clean = (s: string) => s.replaceAll('\0', '');
const iso = (d: Date | string) => new Date(d).toISOString();
const short = (s: string) => createHash('sha256').update(s).digest('hex').slice(0, 16);
const excerpt = (s: string) => {
  const c = clean(s);
  return c.length > 16384 ? c.slice(-16384) : c;
};

/** Drops undefined and null fields: KCIDB forbids nulls. */
function compact<T extends KcidbObject>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined && v !== null)) as T;
}

/** Builds the KCIDB v5.3 document for the given builds and boots. */
export function toKcidb(
  input: { builds: KcidbBuildInput[]; boots: KcidbBootInput[] },
  opts: KcidbOptions = {},
): KcidbData {
  const origin = opts.origin ?? 'bootwatch';
  const base = opts.baseUrl?.replace(/\/$/, '') ?? null;
  const id = (kind: string, key: string | number) => `${origin}:${kind}-${key}`;
  const out: KcidbData = {
    version: { major: 5, minor: 3 },
    checkouts: [],
    builds: [],
    tests: [],
    issues: [],
    incidents: [],
  };

  const checkouts = new Map<string, KcidbObject>();
  const checkoutOf = (b: KcidbBuildInput): string => {
    const src = b.source ?? { name: 'unknown', version: null, commit: null };
    const key = short(`${src.name}\0${src.version ?? ''}\0${src.commit ?? ''}`);
    const cid = id('checkout', key);
    const prev = checkouts.get(cid);
    const start = iso(b.startedAt);
    if (prev) {
      if (start < (prev.start_time as string)) prev.start_time = start;
      return cid;
    }
    checkouts.set(
      cid,
      compact({
        id: cid,
        origin,
        tree_name: clean(src.name),
        git_commit_hash: src.commit && /^[0-9a-f]{40}$/.test(src.commit) ? src.commit : undefined,
        git_commit_name: src.version ? clean(src.version) : undefined,
        git_repository_url: src.url && /^https:\/\//.test(src.url) ? clean(src.url) : undefined,
        comment: clean([src.name, src.version].filter(Boolean).join(' ')),
        start_time: start,
        valid: true,
      }),
    );
    return cid;
  };

  const buildIds = new Map<number, string>();
  for (const b of input.builds) {
    const bid = id('build', b.id);
    buildIds.set(b.id, bid);
    const configName = [b.baseConfig ?? 'config', ...b.fragments].join('+');
    const failed = b.status !== 'PASS';
    out.builds.push(
      compact({
        id: bid,
        checkout_id: checkoutOf(b),
        origin,
        comment: clean(b.variant),
        start_time: iso(b.startedAt),
        duration: b.wallMs != null ? b.wallMs / 1000 : undefined,
        architecture: b.arch && /^[a-z0-9_]*$/.test(b.arch) ? b.arch : undefined,
        command: b.command ? clean(b.command) : undefined,
        compiler: b.compiler ? clean(b.compiler) : undefined,
        config_name: clean(configName),
        config_url: base && b.hasConfig ? `${base}/api/builds/${b.id}/config` : undefined,
        log_excerpt:
          failed && (b.logTail || b.errors.length) ? excerpt(b.logTail ?? b.errors.join('\n')) : undefined,
        status: b.status,
        misc: compact({ variant: b.variant, sizes: b.sizes }),
      }),
    );
    for (const [metric, value] of Object.entries(b.sizes)) {
      if (value == null) continue;
      out.tests.push({
        id: id('build', `${b.id}-size-${metric}`),
        build_id: bid,
        origin,
        path: `build.size.${metric}`,
        status: 'DONE',
        number: { value, unit: 'B', prefix: 'binary' } satisfies KcidbNumber,
        start_time: iso(b.startedAt),
      });
    }
  }

  const issues = new Map<string, KcidbObject>();
  for (const boot of input.boots) {
    const verdict = bootVerdict(boot);
    const buildId = boot.buildId != null ? buildIds.get(boot.buildId) : undefined;
    // A boot without an exported build (an imported log) has nothing to hang from in KCIDB.
    if (!verdict || !buildId) continue;
    const failed = verdict.failedChecks.map(describeCheck);
    const tid = id('boot', boot.id);
    const firstCrash = boot.crashes[0];
    out.tests.push(
      compact({
        id: tid,
        build_id: buildId,
        origin,
        path: 'boot',
        status: verdict.status,
        comment: clean([`${boot.variant ?? 'boot'}: ${boot.outcome}`, ...failed].join('; ')),
        start_time: iso(boot.startedAt),
        duration: boot.durationMs != null ? boot.durationMs / 1000 : undefined,
        environment: compact({
          comment: boot.machine ? clean(boot.machine) : undefined,
          misc: compact({ target: boot.target, machine: boot.machine, accel: boot.accel }),
        }),
        log_url: base ? `${base}/api/boots/${boot.id}/console.raw` : undefined,
        log_excerpt: firstCrash?.report?.length
          ? excerpt(firstCrash.report.join('\n'))
          : boot.panicReason
            ? excerpt(boot.panicReason)
            : undefined,
        misc: compact({
          variant: boot.variant,
          outcome: boot.outcome,
          first_crash: firstCrash?.title,
          failed_checks: failed.length ? verdict.failedChecks.map((c) => compact({ ...c })) : undefined,
        }),
      }),
    );
    // Each runner check is a sub-test (one per name: ids must be unique); a failed harness
    // check is the harness's ERROR, not the kernel's FAIL.
    for (const c of new Map(boot.checks.map((x) => [x.name, x])).values()) {
      out.tests.push(
        compact({
          id: `${tid}-check-${c.name}`,
          build_id: buildId,
          origin,
          path: `boot.check.${c.name.replace(/[^a-zA-Z0-9_-]/g, '_') || 'unnamed'}`,
          status: c.ok ? 'PASS' : c.harness ? 'ERROR' : 'FAIL',
          comment: clean(describeCheck(c)),
          start_time: iso(boot.startedAt),
        }),
      );
    }
    for (const [name, t] of Object.entries(boot.milestones)) {
      if (t == null) continue;
      out.tests.push({
        id: `${tid}-${name}`,
        build_id: buildId,
        origin,
        path: `boot.${name}`,
        status: 'DONE',
        number: { value: t, unit: 's', prefix: 'metric' } satisfies KcidbNumber,
        start_time: iso(boot.startedAt),
      });
    }
    // Grouped issues (one per signature across boots); an ungrouped boot's crashes stand in,
    // under the signature their issue will have.
    const shown: KcidbIssueInput[] =
      boot.issues ??
      boot.crashes.map((c) => ({
        signature: crashSignature(c.kind as CrashKind, c.title),
        kind: c.kind,
        title: c.title,
        file: null,
        firstSeen: boot.startedAt,
        lastSeen: boot.startedAt,
        count: 1,
      }));
    for (const i of new Map(shown.map((x) => [x.signature, x])).values()) {
      const key = short(i.signature);
      const iid = id('issue', key);
      if (!issues.has(iid))
        issues.set(
          iid,
          compact({
            id: iid,
            version: 0,
            origin,
            categories: [`runtime.${i.kind.replace(/[^a-zA-Z0-9_-]/g, '_')}`],
            report_subject: clean(i.title),
            culprit: { code: true, tool: false, harness: false },
            comment: clean(i.file ? `${i.title} (${i.file})` : i.title),
            misc: compact({
              signature: clean(i.signature),
              kind: i.kind,
              file: i.file,
              first_seen: iso(i.firstSeen),
              last_seen: iso(i.lastSeen),
              count: i.count,
            }),
          }),
        );
      out.incidents.push({
        id: id('incident', `${boot.id}-${key}`),
        origin,
        issue_id: iid,
        issue_version: 0,
        build_id: buildId,
        test_id: tid,
        present: true,
      });
    }
  }
  out.checkouts = [...checkouts.values()];
  out.issues = [...issues.values()];
  return out;
}

const schemaFile = fromRoot('collector', 'analysis', 'kcidb-schema.v5.3.json');
let validator: ReturnType<Ajv['compile']> | null = null;

/** The kcidb-io v5.3 JSON schema. */
function kcidbSchema(): object {
  return JSON.parse(readFileSync(schemaFile, 'utf8'));
}

/** Validates a document against the kcidb-io v5.3 schema; errors as `path: message` lines. */
export function validateKcidb(data: unknown): { valid: boolean; errors: string[] } {
  if (!validator) {
    const ajv = new Ajv({ allErrors: true, strict: false });
    // ajv-formats is CommonJS: its default import is the plugin function itself.
    (addFormatsModule as unknown as typeof addFormatsModule.default)(ajv);
    validator = ajv.compile(kcidbSchema());
  }
  const valid = validator(data) as boolean;
  const errors = (validator.errors ?? []).map((e: ErrorObject) => `${e.instancePath || '/'}: ${e.message}`);
  return { valid, errors };
}
