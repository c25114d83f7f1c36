/**
 * What runners send to the collector: builds, boots and console streams.
 * The collector's TypeBox schemas validate exactly these shapes.
 */
import type { Outcome, ParseResult } from './parse.ts';

export type BootTarget = 'qemu' | 'ec2' | 'import';

/** KCIDB's vocabulary: FAIL is the kernel's fault, ERROR/MISS the harness's. */
export type Status = 'PASS' | 'FAIL' | 'ERROR' | 'MISS' | 'DONE' | 'SKIP';

/** A boot's outcome: the parser's, or `error` when the harness failed (never blamed on the kernel). */
export type BootOutcome = Outcome | 'error';

/** Why a boot ended, as the runner saw it. */
export type EndReason =
  | 'marker'
  | 'shutdown'
  | 'panic'
  | 'timeout'
  | 'guest_exit'
  | 'harness_error'
  | 'cancelled'
  | 'import';

export interface KernelSourceInput {
  /** `linux-source-6.1`, a git describe, or a directory name. */
  name: string;
  version?: string | null;
  kind: 'tarball' | 'git' | 'dir';
  path?: string | null;
  commit?: string | null;
}

export interface ConfigFragment {
  name: string;
  content: string;
}

/** An option the user asked for that Kconfig did not keep. */
export interface DroppedOption {
  option: string;
  requested: string;
  actual: string | null;
  /** `depends on PCI`: the unmet dependency as Kconfig states it. */
  reason: string | null;
}

export interface ImageSizes {
  /** bzImage (or Image) file size in bytes. */
  image?: number | null;
  vmlinux?: number | null;
  text?: number | null;
  data?: number | null;
  bss?: number | null;
}

export interface SymbolSize {
  name: string;
  /** nm type letter: t/T text, d/D data, b/B bss, r/R rodata. */
  type: string;
  size: number;
}

export interface BuildInput {
  variant: string;
  matrix?: string | null;
  source?: KernelSourceInput | null;
  arch?: string;
  baseConfig?: string | null;
  fragments?: ConfigFragment[];
  /** The full .config as built. */
  config?: string | null;
  status: Status;
  exitCode?: number | null;
  startedAt: string;
  wallMs?: number | null;
  userMs?: number | null;
  sysMs?: number | null;
  sizes?: ImageSizes;
  symbols?: SymbolSize[];
  warnings?: string[];
  errors?: string[];
  dropped?: DroppedOption[];
  compiler?: string | null;
  command?: string | null;
  /** Last part of the build log, for a build that failed. */
  logTail?: string | null;
  host?: string | null;
  /** System.map text, kept for symbolizing traces. */
  systemMap?: string | null;
  /** Client-chosen key: re-sending the same build returns the same id. */
  idempotencyKey?: string | null;
}

export interface BootCheck {
  name: string;
  ok: boolean;
  detail?: string | null;
  /** The harness's own bookkeeping (EC2 cleanup): reported, but never fails the kernel. */
  harness?: boolean;
}

export interface BootInput {
  buildId?: number | null;
  variant?: string | null;
  target: BootTarget;
  /** `qemu-system-x86_64 -M pc`, `t3.micro`, ... */
  machine?: string | null;
  /** `kvm`, `tcg`, `nitro`, ... */
  accel?: string | null;
  cmdline?: string | null;
  memoryMb?: number | null;
  cpus?: number | null;
  startedAt?: string;
  host?: string | null;
  /** Set when the runner knows the /init it gave is a script: sharper diagnosis. */
  initIsScript?: boolean;
  /** Client-chosen key: re-sending the same boot returns the same id. */
  idempotencyKey?: string | null;
  meta?: Record<string, unknown>;
}

export interface BootFinishInput {
  endReason: EndReason;
  status?: Status;
  /** What went wrong in the harness (QEMU would not start, runner died...). */
  harnessError?: string | null;
  finishedAt?: string;
  durationMs?: number | null;
  checks?: BootCheck[];
  /** Total console bytes the runner sent; lets the collector tell a complete stream. */
  consoleBytes?: number | null;
}

/** Messages a runner sends on the console ingest WebSocket. */
export type IngestClientMessage =
  /** Console bytes starting at byte `offset` of the boot's console (base64). */
  { type: 'chunk'; offset: number; data: string } | { type: 'finish'; finish: BootFinishInput };

/** Messages the collector answers on the ingest WebSocket. */
export type IngestServerMessage =
  /** On connect and after each chunk: every byte below `offset` is stored. Resend from here. */
  | { type: 'ack'; offset: number }
  | { type: 'finished'; outcome: BootOutcome }
  | { type: 'error'; code: string; message: string };

/** Messages the live feed pushes to dashboards. */
export type FeedMessage =
  /** First message on every feed socket: from here on nothing is missed (fetch history after it). */
  | { type: 'subscribed'; bootId: number | null }
  | {
      type: 'boot';
      bootId: number;
      variant: string | null;
      state: 'started' | 'finished';
      outcome?: BootOutcome;
    }
  | {
      type: 'lines';
      bootId: number;
      lines: { line: number; time: number | null; cls: string; text: string }[];
    }
  | { type: 'events'; bootId: number; events: import('./parse.ts').BootEvent[] }
  | {
      type: 'build';
      buildId: number | null;
      variant: string;
      phase: string;
      percent?: number;
      message?: string;
    }
  /** A bisection was stored after a step (or finished): dashboards showing it refetch. */
  | {
      type: 'bisection';
      id: number;
      key: string;
      variant: string;
      status: import('./api.ts').BisectionStatus;
      builds: number;
      maxBuilds: number;
      steps: number;
    };

export type { ParseResult };
