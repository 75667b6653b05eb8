// Summaries of repeated timings: median and 95th percentile by nearest rank (no interpolation between two
// runs, so every figure printed is a time that was really measured).

export interface Timing {
  runs: number;
  medianMs: number;
  p95Ms: number;
  minMs: number;
  maxMs: number;
  /** Runs that did not answer (an error or the role's statement_timeout): counted at the time they took. */
  failed: number;
}

/** The value at rank ceil(q * n) of the sorted sample (q in (0, 1]). */
function quantile(sorted: readonly number[], q: number): number {
  if (!sorted.length) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

export function summarize(times: readonly number[], failed = 0): Timing {
  const sorted = [...times].sort((a, b) => a - b);
  const round = (ms: number) => Math.round(ms * 100) / 100;
  return {
    runs: sorted.length,
    medianMs: round(quantile(sorted, 0.5)),
    p95Ms: round(quantile(sorted, 0.95)),
    minMs: round(sorted[0] ?? Number.NaN),
    maxMs: round(sorted.at(-1) ?? Number.NaN),
    failed,
  };
}
