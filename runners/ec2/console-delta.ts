/**
 * GetConsoleOutput (Latest=true) answers with the most recent window of the console
 * (64 KiB on Nitro), so successive answers overlap. This keeps the tail of what was
 * already seen and returns only the bytes a new window adds: the longest prefix of the
 * window that is a suffix of the tail is the overlap (KMP, linear in the window).
 */

export interface ConsoleDelta {
  /** Bytes not seen before, to stream. */
  fresh: Buffer;
  /** True when the window shares nothing with what was seen: output may have been lost in between. */
  gap: boolean;
}

/** Longest k such that `window[0..k)` equals the last k bytes of `tail`. */
export function overlapLength(tail: Uint8Array, window: Uint8Array): number {
  const m = window.length;
  if (!m || !tail.length) return 0;
  // Prefix function of the window: fail[i] = longest proper border of window[0..i].
  const fail = new Int32Array(m);
  for (let i = 1, k = 0; i < m; i++) {
    while (k > 0 && window[i] !== window[k]) k = fail[k - 1];
    if (window[i] === window[k]) k++;
    fail[i] = k;
  }
  // Only the last m bytes of the tail can overlap the window.
  let k = 0;
  for (let i = Math.max(0, tail.length - m); i < tail.length; i++) {
    while (k > 0 && (k === m || tail[i] !== window[k])) k = fail[k - 1];
    if (tail[i] === window[k]) k++;
  }
  return k;
}

/** Tracks one instance's console across polls. */
export class ConsoleDeltaTracker {
  private tail: Buffer = Buffer.alloc(0);
  /** Bytes handed out so far. */
  total = 0;
  gaps = 0;

  constructor(private readonly keep = 256 * 1024) {}

  /** Feeds one GetConsoleOutput answer (already base64-decoded). */
  push(window: Buffer): ConsoleDelta {
    if (!window.length) return { fresh: Buffer.alloc(0), gap: false };
    const k = overlapLength(this.tail, window);
    // A window wholly inside what we have (no new output) matches as a suffix: k === its length.
    const gap = k === 0 && this.total > 0 && !this.tailContains(window);
    const fresh = k === 0 && !gap && this.total > 0 ? Buffer.alloc(0) : window.subarray(k);
    if (gap) this.gaps++;
    if (fresh.length) {
      this.tail = Buffer.concat([this.tail, fresh]);
      if (this.tail.length > this.keep) this.tail = this.tail.subarray(this.tail.length - this.keep);
      this.total += fresh.length;
    }
    return { fresh: Buffer.from(fresh), gap };
  }

  /** An older window (the console is not "latest" on every poll) lies inside the tail. */
  private tailContains(window: Buffer): boolean {
    return this.tail.indexOf(window) >= 0;
  }
}
