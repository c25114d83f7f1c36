/**
 * Watches a console wherever its bytes come from (QEMU's stdout, EC2's GetConsoleOutput):
 * the collector's parser reads it as it comes, the QEMU runner's EndDetector decides when
 * the boot is over, and `ended` resolves with the reason — at once, or after a panic's
 * trace has gone quiet.
 */

import { BootLogParser } from '../collector/parser/index.ts';
import type { Arch } from '../common/arch.ts';
import type { EndReason } from '../common/types/ingest.ts';
import type { LineUpdate, ParseResult } from '../common/types/parse.ts';
import { EndDetector } from './qemu/end-detector.ts';

/** Bytes of an unfinished line a marker is looked for in. */
const PARTIAL_KEPT = 512;
/** Silence after an idle init before the boot ends: a network check or a late daemon still gets its say. */
const IDLE_QUIET_MS = 20_000;

export interface ConsoleWatchOptions {
  markers: string[];
  cmdline?: string;
  initIsScript?: boolean;
  arch?: Arch;
  /** Quiet time after a panic header before the verdict. */
  panicQuietMs?: number;
  /** Quiet time after init said it has nothing left to run (default IDLE_QUIET_MS). */
  idleQuietMs?: number;
  onLine?: (u: LineUpdate) => void;
}

export class ConsoleWatch {
  private readonly parser: BootLogParser;
  private readonly detector: EndDetector;
  private quietTimer: NodeJS.Timeout | null = null;
  private reason: EndReason | null = null;
  /** The console's last line so far, while it has no newline. */
  private partial = '';
  private resolveEnd!: (r: EndReason) => void;
  /** Resolves once the console (or `stop`) has decided the end. */
  readonly ended: Promise<EndReason>;
  bytes = 0;
  lastByteAt = 0;

  constructor(private readonly opts: ConsoleWatchOptions) {
    this.parser = new BootLogParser({
      context: {
        cmdline: opts.cmdline,
        initIsScript: opts.initIsScript,
        markers: opts.markers,
        ...(opts.arch ? { arch: opts.arch } : {}),
      },
    });
    this.detector = new EndDetector(opts.markers);
    this.ended = new Promise((r) => {
      this.resolveEnd = r;
    });
  }

  get endReason(): EndReason | null {
    return this.reason;
  }

  push(bytes: Uint8Array | string): void {
    this.bytes += typeof bytes === 'string' ? Buffer.byteLength(bytes) : bytes.length;
    this.lastByteAt = performance.now();
    this.handle(this.parser.push(bytes));
    this.watchPartial(typeof bytes === 'string' ? Buffer.from(bytes) : bytes);
  }

  /** Ends the boot from outside (timeout, cancel, harness error); the first reason wins. */
  stop(reason: EndReason): void {
    if (this.reason) return;
    this.reason = reason;
    if (this.quietTimer) clearTimeout(this.quietTimer);
    this.resolveEnd(reason);
  }

  /** Flushes the last partial line and returns the parse. */
  finish(): ParseResult {
    this.handle(this.parser.end());
    if (this.quietTimer) clearTimeout(this.quietTimer);
    return this.parser.result();
  }

  /** Keeps the unfinished last line (its tail: prompts are short) and asks the detector about it. */
  private watchPartial(bytes: Uint8Array): void {
    const nl = bytes.lastIndexOf(0x0a);
    // Only the tail is decoded: latin1 keeps the ASCII a marker is made of.
    const tail = Buffer.from(bytes.buffer, bytes.byteOffset + nl + 1, bytes.length - nl - 1)
      .subarray(-PARTIAL_KEPT)
      .toString('latin1');
    this.partial = (nl === -1 ? this.partial + tail : tail).slice(-PARTIAL_KEPT);
    if (this.reason || !this.partial) return;
    const d = this.detector.onPartial(this.partial);
    if (d && 'end' in d) this.stop(d.end);
  }

  private handle(updates: LineUpdate[]): void {
    for (const u of updates) {
      this.opts.onLine?.(u);
      if (this.reason) continue;
      const d = this.detector.onLine(u);
      if (!d) continue;
      if ('end' in d) this.stop(d.end);
      else {
        if (this.quietTimer) clearTimeout(this.quietTimer);
        const [reason, ms] =
          'quiet' in d
            ? [d.quiet, this.opts.panicQuietMs ?? 300]
            : [d.idle, this.opts.idleQuietMs ?? IDLE_QUIET_MS];
        this.quietTimer = setTimeout(() => this.stop(reason), ms);
      }
    }
  }
}
