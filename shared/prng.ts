// Seeded PRNG shared by the reference node and the harness. Every random choice
// in a run flows from one seed through these streams, so lockstep runs replay
// byte for byte. sfc32 (Chris Doty-Humphrey's Small Fast Counting generator)
// seeded through splitmix32: fast, no allocation per draw, good statistics.

/** Mixes a 32-bit state; also used to derive independent stream seeds. */
export function splitmix32(x: number): number {
  let z = (x + 0x9e3779b9) | 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/** A stable 32-bit hash of a string (FNV-1a), for deriving per-node seeds. */
export function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** Derives a seed below 2^53 for a named sub-stream of `seed`. */
export function deriveSeed(seed: number, label: string): number {
  const hi = splitmix32((seed / 0x100000000) ^ hashString(label));
  const lo = splitmix32((seed >>> 0) ^ splitmix32(hashString(label) ^ 0x5bd1e995));
  return (hi & 0x1fffff) * 0x100000000 + lo;
}

export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number) {
    const lo = seed >>> 0;
    const hi = Math.floor(seed / 0x100000000) >>> 0;
    this.a = splitmix32(lo);
    this.b = splitmix32(hi ^ 0x6a09e667);
    this.c = splitmix32(lo ^ 0xbb67ae85);
    this.d = 1;
    for (let i = 0; i < 12; i++) this.nextU32();
  }

  nextU32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.nextU32() / 0x100000000;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return p > 0 && this.next() < p;
  }

  /**
   * Up to k distinct items of `items`, uniformly, without replacement
   * (partial Fisher-Yates; `items` is not modified). For k < n the swaps are
   * kept in a sparse overlay instead of a scratch copy of all n items, so a
   * draw costs O(k), not O(n); the draws and the result are exactly those of
   * the partial Fisher-Yates on a full copy.
   */
  sample<T>(items: readonly T[], k: number): T[] {
    const n = items.length;
    if (k >= n) {
      const all = items.slice();
      this.shuffle(all);
      return all;
    }
    if (k <= 0) return [];
    const out = new Array<T>(k);
    if (k === 1) {
      out[0] = items[this.int(n)];
      return out;
    }
    // Positions of the virtual copy whose item was swapped away: position -> item there now.
    const moved = new Map<number, T>();
    for (let i = 0; i < k; i++) {
      const j = i + this.int(n - i);
      const atJ = moved.has(j) ? (moved.get(j) as T) : items[j];
      const atI = moved.has(i) ? (moved.get(i) as T) : items[i];
      // Position i is final from here on: later swaps touch only positions > i.
      out[i] = atJ;
      moved.set(j, atI);
    }
    return out;
  }

  shuffle<T>(items: T[]): void {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const tmp = items[i];
      items[i] = items[j];
      items[j] = tmp;
    }
  }
}
