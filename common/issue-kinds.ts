/**
 * What an issue can be: a crash report's kind, or a failure the collector groups by its key.
 * A plain module (no TypeBox) so the dashboard can import the lists as they are.
 */

/** Kinds of crash report the parser titles. */
export const CRASH_KINDS = [
  'panic',
  'oops',
  'bug',
  'warning',
  'kasan',
  'kfence',
  'kmsan',
  'kcsan',
  'ubsan',
  'gpf',
  'lockup',
  'rcu_stall',
  'hung_task',
  'lockdep',
  'oom',
  'other',
] as const;

/** Failures without a crash report, grouped by their stable key. */
export const FAILURE_KINDS = [
  'init_exec',
  'mount_failed',
  'missing_config',
  'probe_failed',
  'error',
] as const;
