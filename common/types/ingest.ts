/**
 * What runners send to the collector: builds, boots and console streams. The shapes are the
 * TypeBox schemas of common/schemas/ingest.ts; these are their types.
 */
import type { Outcome, ParseResult } from './parse.ts';

export type {
  BootCheck,
  BootFinishInput,
  BootInput,
  BootTarget,
  BuildInput,
  ConfigFragment,
  DroppedOption,
  EndReason,
  ImageSizes,
  KernelSourceInput,
  Status,
  SymbolSize,
} from '../schemas/ingest.ts';

/** A boot's outcome: the parser's, or `error` when the harness failed (never blamed on the kernel). */
export type BootOutcome = Outcome | 'error';

/** Messages a runner sends on the console ingest WebSocket. */
export type IngestClientMessage =
  /** Console bytes starting at byte `offset` of the boot's console (base64). */
  | { type: 'chunk'; offset: number; data: string }
  | { type: 'finish'; finish: import('../schemas/ingest.ts').BootFinishInput };

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
