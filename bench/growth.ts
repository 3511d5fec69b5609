// How a cost grows with n: the exponent of a power law fitted to measurements
// at sizes a decade apart, so a change in growth shows even where every
// absolute figure still meets its target. Ordinary least squares on
// (ln n, ln cost): cost ≈ C · n^a, a = cov(ln n, ln cost) / var(ln n).

export interface Point {
  /** The size, n. */
  n: number;
  /** The cost at that size (seconds, bytes, …), > 0. */
  cost: number;
}

/** The fitted exponent a of cost ∝ n^a; needs at least two distinct positive sizes and positive costs. */
export function growthExponent(points: readonly Point[]): number {
  if (points.some((p) => !(p.n > 0) || !(p.cost > 0))) {
    throw new RangeError('a power-law fit needs positive sizes and costs');
  }
  const xs = points.map((p) => Math.log(p.n));
  const ys = points.map((p) => Math.log(p.cost));
  const mx = mean(xs);
  const my = mean(ys);
  let cov = 0;
  let varX = 0;
  for (let i = 0; i < xs.length; i++) {
    cov += (xs[i] - mx) * (ys[i] - my);
    varX += (xs[i] - mx) ** 2;
  }
  if (varX === 0) throw new RangeError('a power-law fit needs at least two distinct sizes');
  return cov / varX;
}

function mean(v: readonly number[]): number {
  let s = 0;
  for (const x of v) s += x;
  return s / v.length;
}
