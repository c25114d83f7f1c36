/**
 * What of a finished boot becomes an issue: every crash report, by the parser's signature,
 * and the failures a kernel person files — init that cannot execute, a root that does not
 * mount, an option the kernel names as missing, a failed probe — by their stable keys. A
 * failed boot's other errors group too; in a boot that came up they are noise.
 */
import type { FAILURE_KINDS } from '../../common/issue-kinds.ts';
import type { BootEvent, Crash } from '../../common/types/parse.ts';
import { eventKey } from './event-keys.ts';

/** One issue's appearance in a boot. */
export interface IssueFinding {
  signature: string;
  kind: string;
  title: string;
  file: string | null;
  line: number;
}

const FAILURE_CLASS: Partial<Record<BootEvent['kind'], (typeof FAILURE_KINDS)[number]>> = {
  init_exec: 'init_exec',
  mount_failed: 'mount_failed',
  missing_config: 'missing_config',
  probe: 'probe_failed',
  error: 'error',
  kernel_error: 'error',
};

/** The event kinds a finding can come from (a probe only when it failed). */
export const FAILURE_EVENT_KINDS = Object.keys(FAILURE_CLASS) as BootEvent['kind'][];

/** The issues a boot shows, one per signature, in console order. */
export function issueFindings(
  crashes: readonly Pick<Crash, 'kind' | 'title' | 'line' | 'signature' | 'file'>[],
  events: readonly BootEvent[],
  booted: boolean,
): IssueFinding[] {
  const out = new Map<string, IssueFinding>();
  const add = (f: IssueFinding) => {
    if (!out.has(f.signature)) out.set(f.signature, f);
  };
  for (const c of crashes)
    add({
      signature: c.signature || `${c.kind}:${c.title}`,
      kind: c.kind,
      title: c.title,
      file: c.file ?? null,
      line: c.line,
    });
  // A generic error on a line the parser also read as a specific failure adds nothing.
  const specific = new Set(
    events
      .filter((e) => FAILURE_CLASS[e.kind] && e.kind !== 'error' && e.kind !== 'kernel_error')
      .map((e) => e.line),
  );
  for (const e of events) {
    const kind = FAILURE_CLASS[e.kind];
    if (!kind || (kind === 'error' && (booted || specific.has(e.line)))) continue;
    const k = eventKey(e);
    if (k) add({ signature: k.key, kind, title: k.title, file: null, line: e.line });
  }
  return [...out.values()].sort((a, b) => a.line - b.line);
}
