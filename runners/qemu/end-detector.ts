/**
 * Decides from the console, line by line, when a boot is over: a completion marker (also on
 * an unfinished prompt line), the kernel's power-down/halt/restart line, or a panic. Works on
 * the parser's LineUpdates.
 */
import type { EndReason } from '../../common/types/ingest.ts';
import type { LineUpdate } from '../../common/types/parse.ts';

export type EndDecision = { end: EndReason } | { quiet: EndReason } | { idle: EndReason } | null;

/** The kernel's last words (kernel/reboot.c), in case a line reaches us the parser did not mark. */
const SHUTDOWN_LINE = /\breboot: (System halted|Power down|Restarting system)\b/;
const PANIC_HEADER = /Kernel panic - not syncing/;
const PANIC_END = /---\[ end Kernel panic/;
/**
 * sysvinit's word that nothing in its runlevel is left to start or respawn (no getty that
 * runs): only `telinit` could change that, so the boot can do nothing but wait for its timeout.
 */
const INIT_IDLE = /^INIT: no more processes left in this runlevel/;

export class EndDetector {
  private panicSeen = false;
  private idleSeen = false;
  constructor(private readonly markers: string[]) {}

  /**
   * `end`: stop now. `quiet`: stop once the console has been silent a moment (a panic still
   * printing its trace). `idle`: stop once it has been silent longer (init has nothing left to
   * run; what was already started, such as a DHCP client, may still speak).
   */
  onLine(u: LineUpdate): EndDecision {
    if (u.events.some((e) => e.kind === 'milestone' && e.name === 'shutdown') || SHUTDOWN_LINE.test(u.text)) {
      return { end: this.panicSeen ? 'panic' : 'shutdown' };
    }
    if (PANIC_END.test(u.text) || (u.crash && u.crash.kind === 'panic')) return { end: 'panic' };
    if (PANIC_HEADER.test(u.text) || (u.crash?.fatal ?? false)) {
      this.panicSeen = true;
      return { quiet: 'panic' };
    }
    if (this.markers.some((m) => u.text.includes(m))) return { end: 'marker' };
    if (this.panicSeen) return { quiet: 'panic' };
    if (INIT_IDLE.test(u.text)) this.idleSeen = true;
    // Ended as the timeout would have ended it, only sooner: the outcome is `stalled`.
    return this.idleSeen ? { idle: 'timeout' } : null;
  }

  /**
   * The console's unfinished last line: a prompt (`bootwatch login: `) is never followed by
   * a newline, so a marker there ends the boot without waiting for one.
   */
  onPartial(text: string): EndDecision {
    return !this.panicSeen && this.markers.some((m) => text.includes(m)) ? { end: 'marker' } : null;
  }
}
