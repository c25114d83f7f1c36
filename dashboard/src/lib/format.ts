/** How numbers read on the page: sizes in binary units, kernel times in seconds, deltas signed. */

const group = new Intl.NumberFormat('en-US');

/** `10,485,760`: exact bytes or counts. */
export function fmtInt(n: number | null | undefined): string {
  return n == null ? '—' : group.format(n);
}

/** `812 B`, `12.3 KiB`, `10.42 MiB`. */
export function fmtBytes(n: number | null | undefined): string {
  if (n == null) return '—';
  const a = Math.abs(n);
  if (a < 1024) return `${n} B`;
  if (a < 1000 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(2)} MiB`;
}

/** Signed change: `+4.0 KiB`, `−812 B`, `±0`; `—` when unknown. */
export function fmtBytesDelta(n: number | null | undefined): string {
  if (n == null) return '—';
  if (n === 0) return '±0';
  return `${n > 0 ? '+' : '−'}${fmtBytes(Math.abs(n))}`;
}

/** Signed exact change: `+4,096`, `−12`. */
export function fmtIntDelta(n: number | null | undefined): string {
  if (n == null) return '—';
  if (n === 0) return '±0';
  return `${n > 0 ? '+' : '−'}${group.format(Math.abs(n))}`;
}

/** Kernel time in seconds, to the millisecond: `0.483 s`. */
export function fmtSecs(s: number | null | undefined): string {
  return s == null ? '—' : `${s.toFixed(3)} s`;
}

/** Signed kernel-time change in ms: `+12.4 ms`. */
export function fmtSecsDelta(d: number | null | undefined): string {
  if (d == null) return '—';
  const ms = d * 1000;
  if (Math.abs(ms) < 0.05) return '±0';
  return `${ms > 0 ? '+' : '−'}${Math.abs(ms).toFixed(1)} ms`;
}

/** Wall time of a build: `38.2 s`, `4m 12s`, `1h 02m`. */
export function fmtDuration(ms: number | null | undefined): string {
  if (ms == null) return '—';
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${String(Math.round(s % 60)).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h ${String(m % 60).padStart(2, '0')}m`;
}

/** Signed change of a wall time: `+3.8 s`, `−1m 05s`. */
export function fmtDurationDelta(ms: number | null | undefined): string {
  if (ms == null) return '—';
  if (Math.abs(ms) < 50) return '±0';
  return `${ms > 0 ? '+' : '−'}${fmtDuration(Math.abs(ms))}`;
}

/** Initcall durations: `840 µs`, `12.3 ms`, `1.20 s`. */
export function fmtUsecs(us: number | null | undefined): string {
  if (us == null) return '—';
  const a = Math.abs(us);
  if (a < 1000) return `${Math.round(us)} µs`;
  if (a < 1_000_000) return `${(us / 1000).toFixed(1)} ms`;
  return `${(us / 1_000_000).toFixed(2)} s`;
}

/** Signed initcall change: `+1.2 ms`. */
export function fmtUsecsDelta(us: number | null | undefined): string {
  if (us == null) return '—';
  if (us === 0) return '±0';
  return `${us > 0 ? '+' : '−'}${fmtUsecs(Math.abs(us))}`;
}

/** `2025-11-25 09:12` in the reader's zone. */
export function fmtWhen(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}`;
}

/** `3 min ago`, `2 d ago`. */
export function fmtAgo(iso: string | null | undefined, now = Date.now()): string {
  if (!iso) return '—';
  const s = Math.max(0, (now - new Date(iso).getTime()) / 1000);
  if (s < 60) return `${Math.round(s)} s ago`;
  if (s < 3600) return `${Math.round(s / 60)} min ago`;
  if (s < 86400) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86400)} d ago`;
}

/** The kernel's `errno` as the kernel prints it, with its name: `-2 ENOENT`. */
export function fmtErrno(errno: number | null | undefined, name: string | null | undefined): string {
  if (errno == null) return name ?? '—';
  return name ? `${errno} ${name}` : String(errno);
}

/** Removes ANSI escapes and stray control characters: console text is shown as plain text. */
export function stripAnsi(s: string): string {
  // CSI/OSC sequences first, then any other C0 control except tab.
  return s
    .replace(/\u001b\[[0-?]*[ -/]*[@-~]|\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)|\u001b[@-Z\\-_]/g, '')
    .replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, '');
}

/** A trend value in its unit: bytes, build milliseconds or kernel seconds. */
export function fmtMetric(v: number | null | undefined, unit: 'bytes' | 'ms' | 's'): string {
  if (v == null) return '—';
  return unit === 'bytes' ? fmtBytes(v) : unit === 'ms' ? fmtDuration(v) : fmtSecs(v);
}
