// The spread of a set of samples (ms): how many, median, 99th and 99.5th
// percentile (nearest rank), max. Used for the harness's own delays
// (engine/realtime/network.ts, lag.ts, runner.ts, checks/maelstrom.ts).

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

/**
 * The same spread as spreadOf, counted as samples arrive: one counter per
 * 0.1 ms value, so a run that times every envelope keeps a few hundred
 * counters, not one number per envelope, and pays no sort of millions at
 * the end. Exactly spreadOf's answer: rounding to 0.1 ms keeps the order.
 */
export class SpreadCounter {
  private readonly counts = new Map<number, number>();
  private n = 0;

  add(ms: number): void {
    const k = Math.round(ms * 10);
    this.counts.set(k, (this.counts.get(k) ?? 0) + 1);
    this.n++;
  }

  get count(): number {
    return this.n;
  }

  spread(): Spread {
    if (this.n === 0) return { ...EMPTY_SPREAD };
    const keys = [...this.counts.keys()].sort((a, b) => a - b);
    // The nearest rank of q, 1-based, as rank() takes it.
    const at = (q: number) => Math.min(this.n, Math.max(1, Math.ceil(q * this.n)));
    const want = [at(0.5), at(0.99), at(0.995)];
    const got: number[] = [];
    let seen = 0;
    for (const k of keys) {
      seen += this.counts.get(k)!;
      while (got.length < want.length && seen >= want[got.length]) got.push(k / 10);
    }
    return { count: this.n, p50: got[0], p99: got[1], p995: got[2], max: keys[keys.length - 1] / 10 };
  }
}
