// The SIR residue theory sir/residue-band holds push rumor mongering to: for
// the declared loss-of-interest rule and k, the residue s and traffic m theory
// gives, the tolerance for sampling error at n sites, and the rumor traffic
// the rule allows. Every number here comes from Demers et al. 1987 ("Epidemic
// Algorithms for Replicated Database Maintenance", §1.4) and the declared
// parameters, never from a run of our own reference. The formulas, their
// derivation and the readings of "unnecessary contact" they accept are in
// docs/bounds.md.
import type { LossOfInterest } from '../proto/contract.js';

/** The theory point of one rule and k: residue s and traffic m, mean field (n -> infinity). */
export interface TheoryPoint {
  s: number;
  m: number;
  /** Contacts per informed site (mu = m / (1 - s)), for the sensitivity of s. */
  mu: number;
  /** Variance of the loss-of-interest count per site (coin: geometric; counter: fixed). */
  varX: number;
  formula: string;
  source: string;
}

/**
 * Demers et al. 1987 §1.4 Table 1: push, feedback + counter, n = 1000
 * (simulated in the paper; no closed form): residue s and traffic m for k = 1..5.
 */
export const DEMERS_TABLE_1: readonly (readonly [number, number])[] = [
  [0.176, 1.74],
  [0.037, 3.3],
  [0.011, 4.53],
  [0.0036, 5.64],
  [0.0012, 6.78],
];

/**
 * The non-trivial root of s = e^(-c(1-s)) in (0, 1) (c > 1), else 1: the
 * final residue of the SIR mean-field ODE ds/dt = -s·i,
 * di/dt = s·i - (loss rate)·i, where each informed site makes c contacts on
 * average before it loses interest, so m = c(1 - s) and s = e^-m.
 */
export function residueRoot(c: number): number {
  if (c <= 1) return 1;
  let lo = 0;
  let hi = 1 - 1e-12;
  for (let i = 0; i < 200; i++) {
    const mid = (lo + hi) / 2;
    if (mid - Math.exp(-c * (1 - mid)) < 0) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

export const PAPER = 'Demers et al. 1987 §1.4';

/**
 * Feedback + counter as a mean-field ODE with k infective stages (the
 * counter): an infective site in stage c contacts one site per unit time; the
 * contact is unnecessary with probability 1 - s (stage c -> c+1, and stage k-1
 * -> removed), necessary with probability s (back to stage 0, and the target
 * is infected into stage 0). Continuous time judges every contact at its own
 * arrival, where the paper's cycle-by-cycle simulation (Table 1) judges a
 * cycle's contacts together; the bound takes the larger residue of the two.
 * Returns the final residue s and traffic m = -ln s (push: s = e^-m).
 */
const odeMemo = new Map<number, { s: number; m: number }>();

export function counterOde(k: number): { s: number; m: number } {
  const hit = odeMemo.get(k);
  if (hit) return hit;
  const out = solveCounterOde(k);
  odeMemo.set(k, out);
  return out;
}

function solveCounterOde(k: number): { s: number; m: number } {
  const eps = 1e-9;
  let s = 1 - eps;
  let st = new Float64Array(k);
  st[0] = eps;
  const deriv = (sv: number, x: Float64Array): [number, Float64Array] => {
    let inf = 0;
    for (let c = 0; c < k; c++) inf += x[c];
    const d = new Float64Array(k);
    for (let c = 0; c < k; c++) {
      d[c] -= x[c]; // every stage leaves at rate 1 (a contact) ...
      if (c === 0)
        d[0] += sv * inf + sv * x[0]; // ... stage 0 stays on a necessary contact, and infections arrive
      else d[0] += sv * x[c]; // ... a necessary contact resets the counter
      if (c + 1 < k) d[c + 1] += (1 - sv) * x[c]; // ... an unnecessary one moves it on (or removes at k-1)
    }
    return [-sv * inf, d];
  };
  const dt = 0.005;
  for (let step = 0; step < 1e6; step++) {
    let inf = 0;
    for (let c = 0; c < k; c++) inf += st[c];
    if (inf < 1e-13 && step > 0) break;
    // RK4 on (s, stages).
    const [ds1, d1] = deriv(s, st);
    const x2 = st.map((x, c) => x + (dt / 2) * d1[c]);
    const [ds2, d2] = deriv(s + (dt / 2) * ds1, x2);
    const x3 = st.map((x, c) => x + (dt / 2) * d2[c]);
    const [ds3, d3] = deriv(s + (dt / 2) * ds2, x3);
    const x4 = st.map((x, c) => x + dt * d3[c]);
    const [ds4, d4] = deriv(s + dt * ds3, x4);
    s += ((ds1 + 2 * ds2 + 2 * ds3 + ds4) * dt) / 6;
    st = st.map((x, c) => x + ((d1[c] + 2 * d2[c] + 2 * d3[c] + d4[c]) * dt) / 6);
  }
  return { s, m: -Math.log(s) };
}

/** Theory for push with `rule` and k, or undefined where theory gives no value. */
export function theoryPoint(rule: LossOfInterest, k: number): TheoryPoint | undefined {
  if (!Number.isInteger(k) || k < 1) return undefined;
  if (rule === 'feedback-counter') {
    const row = DEMERS_TABLE_1[k - 1];
    if (!row) return undefined;
    const ode = counterOde(k);
    const [s, m] = ode.s > row[0] ? [ode.s, ode.m] : row;
    return {
      s,
      m,
      mu: m / (1 - s),
      varX: 0,
      formula: `max(Table 1 s = ${row[0]}, ODE s = ${ode.s.toFixed(4)}) = ${s.toFixed(4)}, m = ${m.toFixed(3)} (k = ${k})`,
      source: `${PAPER} Table 1 (push, feedback + counter, n = 1000) and its k-stage SIR ODE`,
    };
  }
  // feedback-coin: di/dt = s·i - (1/k)(1-s)·i, so i(s) = ((k+1)/k)(1-s) + (1/k)·ln s and
  // i = 0 at s = e^(-(k+1)(1-s)) (the paper's closed form). Blind coin: di/dt = s·i - i/k,
  // s = e^(-k(1-s)) (matches the paper's Table 2). Blind counter: every informed
  // site makes exactly k contacts, m = k(1-s), and s = e^-m for push: the same root.
  const c = rule === 'feedback-coin' ? k + 1 : k;
  const s = residueRoot(c);
  const m = c * (1 - s);
  const coin = rule === 'feedback-coin' || rule === 'blind-coin';
  return {
    s,
    m,
    mu: c,
    varX: coin ? k * (k - 1) : 0,
    formula: `s = e^(-${c}(1-s)) = ${s.toFixed(4)}, m = ${c}(1-s) = ${m.toFixed(3)}`,
    source:
      rule === 'feedback-coin'
        ? `${PAPER}: SIR ODE ds/dt = -s·i, di/dt = s·i - (1/k)(1-s)·i, residue s = e^(-(k+1)(1-s))`
        : rule === 'blind-coin'
          ? `${PAPER}: SIR ODE ds/dt = -s·i, di/dt = s·i - i/k, residue s = e^(-k(1-s)) (Table 2, blind + coin)`
          : `${PAPER}: blind + counter, k contacts per informed site: m = k(1-s) and s = e^-m for push`,
  };
}

/**
 * One-sided false-alarm probability per judged rumor, P(Z > 4) for a normal
 * Z: 100 runs of the case raise a false alarm well under 1% of the time (3σ,
 * 0.13% per rumor, would fail one run in 8 of 100).
 */
export const ALPHA = 3.2e-5;

/**
 * Smallest x with P(X > x) <= alpha, for X a count with the given mean and
 * variance: Poisson when the variance does not exceed the mean, else
 * negative binomial (the over-dispersed count). Exact tails, not a normal
 * approximation: residue counts at small s are a few sites, where 4σ of a
 * normal is far too short.
 */
export function countQuantile(mean: number, variance: number, alpha = ALPHA): number {
  if (!(mean > 0)) return 0;
  const poisson = variance <= mean * (1 + 1e-9);
  const p = poisson ? 0 : mean / variance;
  const r = poisson ? 0 : (mean * p) / (1 - p);
  let logPmf = poisson ? -mean : r * Math.log(p);
  let cdf = Math.exp(logPmf);
  for (let x = 0; x < 1e7; x++) {
    if (1 - cdf <= alpha) return x;
    logPmf += poisson ? Math.log(mean / (x + 1)) : Math.log(((x + r) / (x + 1)) * (1 - p));
    cdf += Math.exp(logPmf);
  }
  return Number.POSITIVE_INFINITY;
}

/**
 * Smallest x with P(G_1 + ... + G_i > x) <= alpha, G_j iid geometric on
 * {1, 2, ...} with success probability p (contacts until a coin of 1/k says
 * stop): the sum exceeds x iff fewer than i successes occur in x trials.
 */
export function geometricSumQuantile(i: number, p: number, alpha = ALPHA): number {
  if (i <= 0) return 0;
  if (p >= 1) return i;
  const tail = (x: number) => {
    // P(Binomial(x, p) <= i - 1), summed in log space.
    let logC = 0;
    let sum = 0;
    for (let j = 0; j < i && j <= x; j++) {
      if (j > 0) logC += Math.log(x - j + 1) - Math.log(j);
      sum += Math.exp(logC + j * Math.log(p) + (x - j) * Math.log(1 - p));
    }
    return sum;
  };
  let lo = i;
  let hi = Math.ceil(i / p) + 10;
  while (tail(hi) > alpha) hi *= 2;
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    if (tail(mid) <= alpha) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/**
 * A rumor known to fewer than sqrt(n) sites died out early: a minor outbreak,
 * which a stochastic SIR epidemic has with some probability O(1/n) (an
 * infective whose only contacts hit informed sites before the spread took
 * off); its residue says nothing about the rule's efficiency. Minor outbreaks
 * are O(1) sites and major ones Θ(n), so any threshold between separates them
 * (the final-size dichotomy: Andersson and Britton 2000, "Stochastic Epidemic
 * Models and Their Statistical Analysis", ch. 3); sqrt(n) is the usual one.
 */
export function minorOutbreak(informed: number, n: number): boolean {
  return informed < Math.sqrt(n);
}

/**
 * Residue bound: sites lacking the rumor at n sites, at most the (1 - ALPHA)
 * quantile of a count with mean n·s and the variance of s's sampling error,
 * plus one site (the theory value is for n -> infinity), or n where theory
 * allows any residue (the epidemic is critical: mu·s near 1).
 */
export function residueBound(
  t: TheoryPoint,
  n: number,
): { lackingMax: number; sMax: number; formula: string } {
  // Var(s)·n: binomial s(1-s), plus the spread of the loss-of-interest count
  // (e^-m moves by s·δm, δm of variance (1-s)·varX/n), amplified by the
  // epidemic's own feedback: linearising s = e^(-mu(1-s)) gives δs(1 - mu·s) = noise.
  const gain = 1 - t.mu * t.s;
  if (gain < 0.05 || n < 2) return { lackingMax: n, sMax: 1, formula: 's <= 1 (critical epidemic)' };
  const mean = n * t.s;
  const variance = (n * (t.s * (1 - t.s) + t.s * t.s * (1 - t.s) * t.varX)) / (gain * gain);
  const lackingMax = Math.min(n, countQuantile(mean, variance) + 1);
  const sMax = lackingMax / n;
  return {
    lackingMax,
    sMax,
    formula: `lacking <= q(1-${ALPHA}) of a count with mean n·s = ${mean.toFixed(2)}, variance n(s(1-s) + s²(1-s)·${t.varX})/(1 - ${t.mu.toFixed(2)}·s)² = ${variance.toFixed(2)}, + 1 = ${lackingMax} of ${n} (s <= ${sMax.toFixed(4)})`,
  };
}

/** What one rumor's history shows: informed sites, necessary (round-start reading) and all contacts. */
export interface RumorTrace {
  key: string;
  /** Sites that ever held the rumor: its writer and every site a carrying envelope reached. */
  informed: number;
  /** Contacts that reached a site in the round it first heard (necessary under any reading). */
  necessary: number;
  total: number;
}

/**
 * Contacts the rule allows, given the trace: blind rules count every contact,
 * feedback rules only unnecessary ones. Each informed site may finish the
 * round in which it lost interest (up to f-1 more contacts: the round's
 * targets are chosen before any feedback), and `necessary` is counted under
 * the round-start reading (the most necessary contacts), so an implementation
 * that judges on arrival is held to no less.
 */
export function trafficBound(
  rule: LossOfInterest,
  k: number,
  f: number,
  t: RumorTrace,
): { max: number; formula: string } {
  const { informed: i, necessary: nec } = t;
  const over = f - 1;
  switch (rule) {
    case 'blind-counter': {
      const max = i * f * Math.ceil(k / f);
      return { max, formula: `contacts <= I·f·ceil(k/f) = ${i}·${f}·${Math.ceil(k / f)} = ${max}` };
    }
    case 'blind-coin': {
      const g = geometricSumQuantile(i, 1 / k);
      const max = g + i * over;
      return {
        max,
        formula: `contacts <= q(1-${ALPHA}) of a sum of I geometric(1/k) (${g}) + I·(f-1) = ${max} (I = ${i})`,
      };
    }
    case 'feedback-coin': {
      const g = geometricSumQuantile(i, 1 / k);
      const max = nec + g + i * over;
      return {
        max,
        formula: `contacts <= N + q(1-${ALPHA}) of a sum of I geometric(1/k) unnecessary (${g}) + I·(f-1) = ${max} (I = ${i}, N = ${nec} necessary)`,
      };
    }
    case 'feedback-counter': {
      const max = nec + (k - 1) * nec + i * (k + over);
      return {
        max,
        formula: `contacts <= N + (k-1)·N + I·(k + f-1) = ${max} (I = ${i}, N = ${nec} necessary; < k unnecessary in a row between necessary ones)`,
      };
    }
  }
}
