/** Whether an alert is one a subscription asked for: its kind, variant, matrix and arch globs, its size threshold. */
import picomatch from 'picomatch';
import type { AlertKind } from '../../common/alert-kinds.ts';
import type { AlertRefs } from '../db/schema/index.ts';

interface Wants {
  events: AlertKind[];
  variants: string[];
  matrices: string[];
  arches: string[];
  sizeOver: number | null;
}

interface About {
  kind: AlertKind;
  variant: string | null;
  matrix: string | null;
  arch: string | null;
  refs: AlertRefs;
}

/** An empty list matches everything; a glob never matches an unknown value. */
function globs(patterns: string[], value: string | null): boolean {
  if (!patterns.length) return true;
  return value != null && picomatch.isMatch(value, patterns, { dot: true });
}

/** True when `sub` wants to hear about `alert`. */
export function subscriptionMatches(sub: Wants, alert: About): boolean {
  if (!sub.events.includes(alert.kind)) return false;
  if (alert.kind === 'size_over' && sub.sizeOver != null && (alert.refs.growth ?? 0) < sub.sizeOver)
    return false;
  return (
    globs(sub.variants, alert.variant) && globs(sub.matrices, alert.matrix) && globs(sub.arches, alert.arch)
  );
}
