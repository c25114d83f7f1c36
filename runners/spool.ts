/**
 * The runner's disk spool: every build and every console byte is written here first, so
 * a collector that is away loses nothing; an entry is removed only once the collector
 * has acknowledged all of it. Layout: `<spool>/<key>/{entry.json,console.bin,finish.json}`.
 */
import {
  appendFileSync,
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import type { BootFinishInput, BootInput, BootTarget, BuildInput } from '../common/types/ingest.ts';
import { spoolDir } from './paths.ts';

/** A whole log for POST /api/logs (`bootwatch ingest --collector`); its bytes are console.bin. */
export interface LogUploadInput {
  file: string;
  variant: string | null;
  buildId: number | null;
  target: BootTarget;
  initIsScript?: boolean;
}

export type SpoolEntry =
  | { kind: 'build'; key: string; createdAt: string; input: BuildInput; buildId?: number | null }
  | {
      kind: 'boot';
      key: string;
      createdAt: string;
      input: BootInput;
      buildKey?: string | null;
      bootId?: number | null;
    }
  | {
      kind: 'log';
      key: string;
      createdAt: string;
      input: LogUploadInput;
      /** The spooled build the log belongs to, while its id is not known yet. */
      buildKey?: string | null;
      /** Sent with every attempt: the collector stores the log once and completes a cut-off try. */
      idempotencyKey: string;
    };

/** One entry's directory on disk. */
export class SpoolItem {
  readonly dir: string;
  constructor(
    root: string,
    readonly key: string,
  ) {
    this.dir = join(root, key);
  }
  get consoleFile(): string {
    return join(this.dir, 'console.bin');
  }
  read(): SpoolEntry {
    return JSON.parse(readFileSync(join(this.dir, 'entry.json'), 'utf8')) as SpoolEntry;
  }
  /** Atomic write: a crash mid-write leaves the previous version. */
  write(e: SpoolEntry): void {
    mkdirSync(this.dir, { recursive: true });
    const tmp = join(this.dir, 'entry.json.tmp');
    writeFileSync(tmp, JSON.stringify(e));
    renameSync(tmp, join(this.dir, 'entry.json'));
  }
  appendConsole(bytes: Uint8Array): void {
    appendFileSync(this.consoleFile, bytes);
  }
  consoleSize(): number {
    try {
      return statSync(this.consoleFile).size;
    } catch {
      return 0;
    }
  }
  /** Up to `max` console bytes from `offset`. */
  readConsole(offset: number, max: number): Buffer {
    if (!existsSync(this.consoleFile)) return Buffer.alloc(0);
    const fd = openSync(this.consoleFile, 'r');
    try {
      const buf = Buffer.alloc(max);
      const n = readSync(fd, buf, 0, max, offset);
      return buf.subarray(0, n);
    } finally {
      closeSync(fd);
    }
  }
  setFinish(f: BootFinishInput): void {
    writeFileSync(join(this.dir, 'finish.json'), JSON.stringify(f));
  }
  finish(): BootFinishInput | null {
    try {
      return JSON.parse(readFileSync(join(this.dir, 'finish.json'), 'utf8')) as BootFinishInput;
    } catch {
      return null;
    }
  }
  /** Delivered: gone from the spool. */
  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** The spool directory: create items, list what is waiting, remember build ids. */
export class Spool {
  constructor(readonly root: string = spoolDir()) {}

  item(key: string): SpoolItem {
    return new SpoolItem(this.root, key);
  }

  /** Entries still waiting, builds before boots, oldest first. */
  pending(): SpoolItem[] {
    if (!existsSync(this.root)) return [];
    const items: { item: SpoolItem; e: SpoolEntry }[] = [];
    for (const key of readdirSync(this.root)) {
      if (key === 'ids') continue;
      const item = this.item(key);
      try {
        items.push({ item, e: item.read() });
      } catch {
        // a half-created entry (no entry.json yet): nothing to send
      }
    }
    items.sort((a, b) =>
      a.e.kind === b.e.kind ? a.e.createdAt.localeCompare(b.e.createdAt) : a.e.kind === 'build' ? -1 : 1,
    );
    return items.map((x) => x.item);
  }

  /** The collector's id for a build sent earlier, by its spool key. */
  buildId(key: string): number | null {
    try {
      return Number(readFileSync(join(this.root, 'ids', key), 'utf8'));
    } catch {
      return null;
    }
  }

  rememberBuildId(key: string, id: number): void {
    mkdirSync(join(this.root, 'ids'), { recursive: true });
    writeFileSync(join(this.root, 'ids', key), String(id));
  }
}
