/** Percentile summaries of latency samples, in milliseconds. */

export interface LatencyStats {
  readonly samples: number;
  readonly p50: number;
  readonly p99: number;
  readonly mean: number;
  readonly max: number;
}

/** Pure: nearest-rank percentiles of `samples` (milliseconds). */
export const summarizeLatencies = (samples: readonly number[]): LatencyStats => {
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = (p: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))] ?? 0;
  const total = sorted.reduce((sum, value) => sum + value, 0);
  return {
    samples: sorted.length,
    p50: rank(0.5),
    p99: rank(0.99),
    mean: sorted.length === 0 ? 0 : total / sorted.length,
    max: sorted.at(-1) ?? 0,
  };
};
