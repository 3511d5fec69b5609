import { describe, expect, it } from 'vitest';
import { growthExponent } from './growth.js';

describe('growthExponent', () => {
  it('recovers the exponent of an exact power law', () => {
    const pts = [1e4, 1e5, 1e6].map((n) => ({ n, cost: 3e-7 * n ** 1.5 }));
    expect(growthExponent(pts)).toBeCloseTo(1.5, 10);
  });

  it('gives 1 for linear cost and 0 for a constant', () => {
    expect(growthExponent([10, 100, 1000].map((n) => ({ n, cost: 2 * n })))).toBeCloseTo(1, 10);
    expect(growthExponent([10, 100, 1000].map((n) => ({ n, cost: 42 })))).toBeCloseTo(0, 10);
  });

  it('is the least-squares slope when the points are not on one line', () => {
    // log10: (0, 0), (1, 1), (2, 3): slope = cov / var = 3 / 2.
    expect(
      growthExponent([
        { n: 1, cost: 1 },
        { n: 10, cost: 10 },
        { n: 100, cost: 1000 },
      ]),
    ).toBeCloseTo(1.5, 10);
  });

  it('refuses what it cannot fit', () => {
    expect(() =>
      growthExponent([
        { n: 10, cost: 1 },
        { n: 10, cost: 2 },
      ]),
    ).toThrow(RangeError);
    expect(() =>
      growthExponent([
        { n: 10, cost: 0 },
        { n: 100, cost: 2 },
      ]),
    ).toThrow(RangeError);
  });
});
