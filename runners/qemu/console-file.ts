/**
 * QEMU writes the serial console to a file and we follow it. A pipe would tie the guest to
 * our event loop: QEMU's 16550 holds a byte it cannot write, the guest's 8250 driver gives
 * up waiting after ~10 ms and writes the next one over it, and the console loses
 * characters whenever the runner is busy (measured: a 150 ms stall per chunk garbled a
 * third of a boot log). A regular file never refuses a write, so nothing is lost.
 */
import { type FSWatcher, watch } from 'node:fs';
import { type FileHandle, mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Longest wait between reads when no change notification arrives (inotify can miss none, but be safe). */
const POLL_MS = 50;

export class ConsoleFile {
  private constructor(
    readonly dir: string,
    readonly path: string,
    private readonly fh: FileHandle,
  ) {}

  /** An empty console file in a fresh temporary directory, open for reading. */
  static async create(): Promise<ConsoleFile> {
    const dir = await mkdtemp(join(tmpdir(), 'bw-console-'));
    const path = join(dir, 'console.log');
    const fh = await open(path, 'w+');
    return new ConsoleFile(dir, path, fh);
  }

  /** Runs `fn` with a fresh console file, deleting it afterwards whatever happens. */
  static async use<T>(fn: (file: ConsoleFile) => Promise<T>): Promise<T> {
    const file = await ConsoleFile.create();
    try {
      return await fn(file);
    } finally {
      await file.remove();
    }
  }

  private pos = 0;
  private stopping = false;
  private wake: (() => void) | null = null;
  private watcher: FSWatcher | null = null;
  private loop: Promise<void> | null = null;
  private readonly buf = Buffer.alloc(64 * 1024);

  /** Calls `onData` with every new byte range, in order, until `stop()`. */
  follow(onData: (bytes: Buffer) => void): void {
    this.watcher = watch(this.path, () => this.wake?.());
    this.watcher.on('error', () => {});
    this.loop = (async () => {
      for (;;) {
        const n = await this.readMore(onData);
        if (n > 0) continue;
        if (this.stopping) return;
        await new Promise<void>((r) => {
          const t = setTimeout(r, POLL_MS);
          this.wake = () => {
            clearTimeout(t);
            r();
          };
        });
        this.wake = null;
      }
    })();
  }

  private async readMore(onData: (bytes: Buffer) => void): Promise<number> {
    const { bytesRead } = await this.fh.read(this.buf, 0, this.buf.length, this.pos);
    if (bytesRead > 0) {
      this.pos += bytesRead;
      // A copy: the read buffer is reused.
      onData(Buffer.from(this.buf.subarray(0, bytesRead)));
    }
    return bytesRead;
  }

  /** Reads what is left (QEMU has exited or been killed), then stops following. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.wake?.();
    await this.loop;
    this.watcher?.close();
  }

  /** Closes and deletes the file. */
  async remove(): Promise<void> {
    await this.fh.close().catch(() => {});
    await rm(this.dir, { recursive: true, force: true });
  }
}
