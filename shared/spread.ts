// The spread of a set of samples (ms): how many, median, 99th and 99.5th
// percentile (nearest rank), max. Used for the harness's own delays
// (engine/realtime/runner.ts, checks/maelstrom.ts).

export interface Spread {
  count: number;
  p50: number;
  p99: number;
  p995: number;
  max: number;
}

export const EMPTY_SPREAD: Spread = { count: 0, p50: 0, p99: 0, p995: 0, max: 0 };

/** Nearest-rank quantile `q` of ascending `sorted` (non-empty). */
function rank(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

const round = (x: number) => Math.round(x * 10) / 10;

/** The spread of `samples`, each value rounded to 0.1 ms. */
export function spreadOf(samples: readonly number[]): Spread {
  if (samples.length === 0) return { ...EMPTY_SPREAD };
  const sorted = samples.slice().sort((a, b) => a - b);
  return {
    count: sorted.length,
    p50: round(rank(sorted, 0.5)),
    p99: round(rank(sorted, 0.99)),
    p995: round(rank(sorted, 0.995)),
    max: round(sorted[sorted.length - 1]),
  };
}
