/**
 * Is a measurement slower than its history allows? Median and MAD of the last runs (robust
 * against the odd outlier), a robust z-score limit, and absolute and relative floors so a
 * series that never moved does not alert on the first millisecond of jitter.
 */

export interface NoiseRule {
  /** Robust z-score limit: alert above median + k·1.4826·MAD. */
  k: number;
  /** Smallest growth that can alert, in the metric's unit. */
  minAbs: number;
  /** Smallest growth that can alert, as a fraction of the median. */
  minRel: number;
  /** Fewer history points than this: compare with the baseline using `fallbackRel` instead. */
  minHistory: number;
  /** Growth over the baseline that alerts when history is too short, as a fraction. */
  fallbackRel: number;
}

export interface NoiseStats {
  n: number;
  median: number;
  mad: number;
}

export interface NoiseVerdict {
  regressed: boolean;
  /** Values above this alert. */
  threshold: number;
  stats: NoiseStats | null;
  /** `history` when median/MAD decided, `baseline` when history was too short. */
  basis: 'history' | 'baseline' | 'none';
}

/** Median of the values (not mutated). */
function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** Median and median absolute deviation. */
export function noiseStats(values: readonly number[]): NoiseStats {
  const m = median(values);
  return { n: values.length, median: m, mad: median(values.map((v) => Math.abs(v - m))) };
}

/** 1.4826·MAD estimates the standard deviation of normally distributed noise. */
const MAD_TO_SIGMA = 1.4826;

/** Judges `value` against its history (older runs) or, with too little history, the baseline value. */
export function judgeGrowth(
  value: number,
  history: readonly number[],
  baseline: number | null,
  rule: NoiseRule,
): NoiseVerdict {
  if (history.length >= rule.minHistory) {
    const stats = noiseStats(history);
    const margin = Math.max(rule.k * MAD_TO_SIGMA * stats.mad, rule.minAbs, rule.minRel * stats.median);
    const threshold = stats.median + margin;
    return { regressed: value > threshold, threshold, stats, basis: 'history' };
  }
  if (baseline == null)
    return { regressed: false, threshold: Number.POSITIVE_INFINITY, stats: null, basis: 'none' };
  const threshold = baseline + Math.max(rule.fallbackRel * baseline, rule.minAbs);
  return { regressed: value > threshold, threshold, stats: null, basis: 'baseline' };
}
