/**
 * What an EC2 run created, in two places: tags on every AWS resource that takes them
 * (found again by `bootwatch ec2 cleanup` even when this host is gone), and a local
 * write-ahead ledger per run for what tags cannot name (S3 objects, multipart uploads,
 * import tasks). An entry is written before or right after each create call.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { cacheDir } from '../paths.ts';

export const TAG = {
  managed: 'bootwatch:managed',
  run: 'bootwatch:run',
  variant: 'bootwatch:variant',
  host: 'bootwatch:host',
  pid: 'bootwatch:pid',
  expires: 'bootwatch:expires',
} as const;

export type ResourceKind =
  | 's3-object'
  | 's3-upload'
  | 'import-task'
  | 'snapshot'
  | 'image'
  | 'instance'
  | 'volume';

export interface LedgerResource {
  kind: ResourceKind;
  id: string;
  bucket?: string;
  key?: string;
  /** Set once deleted (or found gone). */
  deleted?: boolean;
}

export interface LedgerEntry {
  runId: string;
  variant: string | null;
  region: string;
  host: string;
  pid: number;
  startedAt: string;
  expiresAt: string;
  /** The user's own tags (matrix `ec2.tags`), added to bootwatch's. */
  tags?: Record<string, string>;
  resources: LedgerResource[];
}

/** `$BOOTWATCH_CACHE/ec2/runs`: one JSON per run not yet cleaned up. */
function ledgerDir(): string {
  return join(cacheDir(), 'ec2', 'runs');
}

export function newRunId(): string {
  return `bw-${new Date().toISOString().replace(/[-:T]/g, '').slice(0, 14)}-${randomBytes(3).toString('hex')}`;
}

export class Ledger {
  readonly file: string;
  entry: LedgerEntry;

  constructor(entry: LedgerEntry) {
    this.entry = entry;
    this.file = join(ledgerDir(), `${entry.runId}.json`);
  }

  /** Starts a run's ledger on disk. */
  static open(o: {
    runId: string;
    variant: string | null;
    region: string;
    maxMinutes: number;
    tags?: Record<string, string>;
  }): Ledger {
    const now = Date.now();
    const l = new Ledger({
      runId: o.runId,
      variant: o.variant,
      region: o.region,
      host: hostname(),
      pid: process.pid,
      startedAt: new Date(now).toISOString(),
      // Past this time nobody is watching the run any more: cleanup may take it whatever the pid says.
      expiresAt: new Date(now + (o.maxMinutes + 30) * 60_000).toISOString(),
      tags: o.tags ?? {},
      resources: [],
    });
    l.save();
    return l;
  }

  /** Every run ledger on this host. */
  static all(): Ledger[] {
    const dir = ledgerDir();
    if (!existsSync(dir)) return [];
    const out: Ledger[] = [];
    for (const f of readdirSync(dir).filter((n) => n.endsWith('.json'))) {
      try {
        out.push(new Ledger(JSON.parse(readFileSync(join(dir, f), 'utf8')) as LedgerEntry));
      } catch {
        // A torn write leaves the previous version in place (rename), so an unreadable file is foreign.
      }
    }
    return out;
  }

  add(r: LedgerResource): void {
    this.entry.resources.push(r);
    this.save();
  }

  markDeleted(kind: ResourceKind, id: string): void {
    for (const r of this.entry.resources) if (r.kind === kind && r.id === id) r.deleted = true;
    this.save();
  }

  pending(): LedgerResource[] {
    return this.entry.resources.filter((r) => !r.deleted);
  }

  /** True when the process that owns the run is still alive on this host and the run has not expired. */
  isLive(): boolean {
    if (this.entry.host !== hostname() || Date.parse(this.entry.expiresAt) < Date.now()) return false;
    if (this.entry.pid === process.pid) return true;
    try {
      process.kill(this.entry.pid, 0);
      return true;
    } catch (err) {
      return (err as NodeJS.ErrnoException).code === 'EPERM';
    }
  }

  save(): void {
    mkdirSync(ledgerDir(), { recursive: true });
    const tmp = `${this.file}.tmp`;
    writeFileSync(tmp, JSON.stringify(this.entry, null, 2));
    renameSync(tmp, this.file);
  }

  /** Removes the ledger once nothing of the run is left. */
  closeIfClean(): boolean {
    if (this.pending().length) return false;
    rmSync(this.file, { force: true });
    return true;
  }

  /** The tags every taggable resource of this run carries. */
  tags(): { Key: string; Value: string }[] {
    const t: Record<string, string> = {
      ...this.entry.tags,
      Name: `bootwatch-${this.entry.variant ?? 'run'}-${this.entry.runId}`,
      [TAG.managed]: 'true',
      [TAG.run]: this.entry.runId,
      [TAG.variant]: this.entry.variant ?? '',
      [TAG.host]: this.entry.host,
      [TAG.pid]: String(this.entry.pid),
      [TAG.expires]: this.entry.expiresAt,
    };
    return Object.entries(t).map(([Key, Value]) => ({ Key, Value }));
  }
}
