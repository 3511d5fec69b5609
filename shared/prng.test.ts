import { describe, expect, it } from 'vitest';
import { Rng } from './prng.js';

/** The partial Fisher-Yates on a full scratch copy that `sample` must reproduce draw for draw. */
function sampleOnCopy<T>(rng: Rng, items: readonly T[], k: number): T[] {
  const n = items.length;
  if (k >= n) {
    const all = items.slice();
    rng.shuffle(all);
    return all;
  }
  const pool = items.slice();
  for (let i = 0; i < k; i++) {
    const j = i + rng.int(n - i);
    const tmp = pool[i];
    pool[i] = pool[j];
    pool[j] = tmp;
  }
  pool.length = k;
  return pool;
}

describe('Rng.sample', () => {
  it('gives the same items and leaves the stream where the full-copy Fisher-Yates does', () => {
    for (let seed = 0; seed < 40; seed++) {
      for (const n of [0, 1, 2, 5, 37]) {
        for (const k of [0, 1, 2, 3, 9, 36, 40]) {
          const items = Array.from({ length: n }, (_, i) => `p${i}`);
          const a = new Rng(seed * 101 + n);
          const b = new Rng(seed * 101 + n);
          for (let rep = 0; rep < 3; rep++) expect(a.sample(items, k)).toEqual(sampleOnCopy(b, items, k));
          expect(a.nextU32()).toBe(b.nextU32());
        }
      }
    }
  });

  it('does not modify the items', () => {
    const items = ['a', 'b', 'c', 'd'];
    new Rng(1).sample(items, 2);
    expect(items).toEqual(['a', 'b', 'c', 'd']);
  });
});
