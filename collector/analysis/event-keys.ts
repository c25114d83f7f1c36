/**
 * Stable keys for what a boot printed, so the same failure is recognised across runs and
 * variants: numbers, addresses and device ids are masked, errno names kept.
 */
import type { BootEvent, Crash } from '../../common/types/parse.ts';

/** A message with its run-specific parts masked: `0x…` for hex, `N` for decimal numbers. */
function normalizeMessage(message: string): string {
  return message
    .replace(/\b0x[0-9a-f]+\b/gi, '0x…')
    .replace(/\b[0-9a-f]{8,}\b/gi, '…')
    .replace(/\d+/g, 'N')
    .replace(/\s+/g, ' ')
    .trim();
}

export type FindingClass = 'crash' | 'error' | 'probe_failed' | 'warning';

export interface KeyedFinding {
  /** `crash:WARNING in foo`, `error:ENOENT:Failed to execute /init (error -N)`, ... */
  key: string;
  cls: FindingClass;
  /** The human title for the group. */
  title: string;
  line: number;
  time: number | null;
  text: string;
  fatal: boolean;
}

/** What keys a failed driver probe: its driver and error. */
export interface ProbeFacts {
  driver: string;
  errno?: number | null;
  errnoName?: string | null;
}

/** The key and title of a failed probe. */
export function probeKey(p: ProbeFacts): { key: string; title: string } {
  return {
    key: `probe_failed:${p.driver}:${p.errnoName ?? p.errno ?? ''}`,
    title: `${p.driver}: probe failed${p.errnoName ? ` (${p.errnoName})` : ''}`,
  };
}

/** The key of an event that signals trouble, or null for a healthy or neutral event. */
export function eventKey(e: BootEvent): Omit<KeyedFinding, 'line' | 'time' | 'fatal'> | null {
  switch (e.kind) {
    case 'error': {
      const msg = normalizeMessage(e.message);
      return { key: `error:${e.errnoName ?? e.errno}:${msg}`, cls: 'error', title: msg, text: e.message };
    }
    case 'kernel_error': {
      const msg = normalizeMessage(e.message);
      return { key: `kernel_error:${msg}`, cls: 'error', title: msg, text: e.message };
    }
    case 'mount_failed': {
      const what = `${e.fstype ?? e.source ?? '?'} on ${e.target ?? '?'}`;
      return {
        key: `mount_failed:${what}:${e.errnoName ?? e.errno ?? ''}`,
        cls: 'error',
        title: `mount ${what} failed${e.errnoName ? ` (${e.errnoName})` : ''}`,
        text: e.message,
      };
    }
    case 'init_exec':
      // The default inits the kernel tries silently are implied by the first failure.
      if (e.errno == null || e.implied) return null;
      return {
        key: `init_exec:${e.path}:${e.errnoName ?? e.errno}`,
        cls: 'error',
        title: `cannot execute ${e.path} (${e.errnoName ?? e.errno})`,
        text: e.message,
      };
    case 'missing_config':
      return {
        key: `missing_config:${e.option}`,
        cls: 'error',
        title: `${e.option} not set`,
        text: e.message,
      };
    case 'probe':
      if (e.ok) return null;
      return { ...probeKey(e), cls: 'probe_failed', text: e.message };
    default:
      return null;
  }
}

/** What the keys need of a crash report. */
export type CrashFacts = Pick<Crash, 'kind' | 'title' | 'line' | 'time' | 'fatal'> & { report?: string[] };

/** Every troubling thing in a boot, keyed: crashes first, then events; one entry per key. */
export function keyedFindings(crashes: readonly CrashFacts[], events: readonly BootEvent[]): KeyedFinding[] {
  const out = new Map<string, KeyedFinding>();
  for (const c of crashes) {
    const key = `crash:${c.title}`;
    if (out.has(key)) continue;
    out.set(key, {
      key,
      cls: c.kind === 'warning' ? 'warning' : 'crash',
      title: c.title,
      line: c.line,
      time: c.time,
      text: c.report?.[0] ?? c.title,
      fatal: c.fatal,
    });
  }
  // The generic error event of a line the parser also read as a mount/exec/probe failure adds nothing.
  const specific = new Set(
    events
      .filter((e) => e.kind === 'mount_failed' || e.kind === 'init_exec' || e.kind === 'probe')
      .map((e) => e.line),
  );
  for (const e of events) {
    if (e.kind === 'error' && specific.has(e.line)) continue;
    const k = eventKey(e);
    if (!k || out.has(k.key)) continue;
    out.set(k.key, { ...k, line: e.line, time: e.time, fatal: false });
  }
  return [...out.values()];
}
