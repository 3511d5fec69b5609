// The statistics behind membership/suspicion-rate: SWIM's probe failure
// probability and the binomial tail the check allows.
import { describe, expect, test } from 'vitest';
import { binomialUpper, probeFailure } from './bounds.js';

/** P(X > c) for X ~ Binomial(n, q), summed directly. */
function tailAbove(n: number, q: number, c: number): number {
  let pmf = (1 - q) ** n;
  let cdf = pmf;
  for (let i = 0; i < c; i++) {
    pmf *= ((n - i) / (i + 1)) * (q / (1 - q));
    cdf += pmf;
  }
  return 1 - cdf;
}

describe('probeFailure (Das et al. 2002 §3.1)', () => {
  test('no loss, no failure; with no indirect probe, the direct path alone', () => {
    expect(probeFailure(0, 3)).toBe(0);
    expect(probeFailure(0.1, 0)).toBeCloseTo(1 - 0.9 ** 2, 12);
    expect(probeFailure(0.1, 2)).toBeCloseTo((1 - 0.9 ** 2) * (1 - 0.9 ** 4) ** 2, 12);
  });
});

describe('binomialUpper', () => {
  test.each([
    [100, 0.01],
    [585, 3.07e-3],
    [259, 0.0396],
    [2000, 0.2],
  ])('Bin(%i, %f): the smallest c with P(X > c) <= 1e-6', (n, q) => {
    const c = binomialUpper(n, q);
    expect(tailAbove(n, q, c)).toBeLessThanOrEqual(1e-6);
    expect(tailAbove(n, q, c - 1)).toBeGreaterThan(1e-6);
  });

  test('degenerate cases: q 0 allows nothing, q 1 everything', () => {
    expect(binomialUpper(50, 0)).toBe(0);
    expect(binomialUpper(50, 1)).toBe(50);
    expect(binomialUpper(0, 0.5)).toBe(0);
  });
});
