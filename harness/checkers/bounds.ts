// The round bounds the checkers hold histories to, each with its source.
// All bounds are in lockstep rounds (one gossip period each).
import { ANTI_ENTROPY_VARIANTS, type Parameters, type Variant } from '../../proto/contract.js';

/**
 * Spread constants. Pittel 1987 ("On spreading a rumor", SIAM J. Appl. Math.
 * 47(1)): push from one node reaches all n nodes in log2 n + ln n + O(1)
 * rounds with high probability, i.e. about 1.69·log2 n + O(1). Karp, Schindelhauer,
 * Shenker, Vöcking 2000 ("Randomized rumor spreading", FOCS): push-pull needs
 * log3 n + O(ln ln n) rounds, pull is no slower than push after the first half.
 * C = 3 covers the 1.69 of push with a margin for the whp tail at small n and
 * for variants where a round carries only one digest exchange per peer;
 * D = 3 absorbs the O(1) / O(ln ln n) terms and the update's own round.
 */
export const SPREAD_C = 3;
export const SPREAD_D = 3;

/** Rounds for one update to reach every node: ceil(C·log2 n) + D. */
export function spreadRounds(n: number): number {
  return Math.ceil(SPREAD_C * Math.log2(Math.max(1, n))) + SPREAD_D;
}

export interface Bound {
  rounds: number;
  /** The formula with its numbers filled in. */
  formula: string;
  /** Paper or declared parameter the bound comes from. */
  source: string;
}

const SPREAD_SOURCE =
  'Pittel 1987 (push: log2 n + ln n + O(1) rounds whp); Karp et al. 2000 (push-pull: log3 n + O(ln ln n))';

/**
 * Rounds from the last disturbance until all live nodes hold identical state.
 * - anti-entropy (push, pull, push-pull): B = ceil(C·log2 n) + D.
 * - hybrid: rumor mongering may leave residue (Demers et al. 1987 §1.4) that
 *   only the anti-entropy exchange, run every `antiEntropyEvery` periods,
 *   repairs; worst case B = ceil(C·log2 n)·antiEntropyEvery + D.
 * - direct mail: every peer is mailed at update time (Demers et al. 1987 §1.1),
 *   so one round.
 * Undefined for pure rumor mongering (residue is allowed) and push-sum.
 */
export function convergenceBound(variant: Variant, params: Parameters, n: number): Bound | undefined {
  const log = Math.ceil(SPREAD_C * Math.log2(Math.max(1, n)));
  if (ANTI_ENTROPY_VARIANTS.includes(variant)) {
    return {
      rounds: log + SPREAD_D,
      formula: `ceil(${SPREAD_C}·log2 ${n}) + ${SPREAD_D} = ${log + SPREAD_D}`,
      source: SPREAD_SOURCE,
    };
  }
  if (variant === 'hybrid') {
    const every = Math.max(1, params.antiEntropyEvery);
    return {
      rounds: log * every + SPREAD_D,
      formula: `ceil(${SPREAD_C}·log2 ${n})·antiEntropyEvery(${every}) + ${SPREAD_D} = ${log * every + SPREAD_D}`,
      source: `${SPREAD_SOURCE}; anti-entropy every ${every} periods repairs rumor residue (Demers et al. 1987 §1.4, §1.5)`,
    };
  }
  if (variant === 'direct-mail') {
    return {
      rounds: 1,
      formula: '1 round',
      source: 'Demers et al. 1987 §1.1: direct mail sends each update to every site at once',
    };
  }
  return undefined;
}

/**
 * Rounds after the last update until no envelope carries a rumor:
 * spread time S = ceil(C·log2 n) + D plus the loss-of-interest time L
 * (rules of Demers et al. 1987 §1.4), with k = rumorK and f = fanout:
 * - blind-counter: a node loses interest after k sends, f per round:
 *   L = ceil(k/f) + 1.
 * - feedback-counter: only unnecessary contacts (the peer already knew) count,
 *   so a node stays infective while it still finds susceptible peers, which
 *   lasts at most the spread time: L = S + ceil(k/f) + 1.
 * - blind-coin: after each send the node loses interest with probability
 *   1/k, so it survives t sends with probability (1-1/k)^t <= e^(-t/k);
 *   n·(1-1/k)^t <= 1e-3 holds for t >= k·ln(1000·n): L = ceil(k·ln(1000·n)/f).
 * - feedback-coin: the coin is tossed only on unnecessary contacts:
 *   L = S + ceil(k·ln(1000·n)/f).
 * Pull variants: an infective node is contacted by a Poisson(f) number of
 * pullers per round rather than exactly f, so the k-dependent term is doubled.
 */
export function quiescenceBound(variant: Variant, params: Parameters, n: number): Bound {
  const s = spreadRounds(n);
  const k = Math.max(1, params.rumorK);
  const f = Math.max(1, params.fanout);
  const slack = variant === 'rumor-pull' ? 2 : 1;
  const ks = k * slack;
  const counter = Math.ceil(ks / f) + 1;
  const coin = Math.ceil((ks * Math.log(1000 * n)) / f);
  const sFormula = `S = ceil(${SPREAD_C}·log2 ${n}) + ${SPREAD_D} = ${s}`;
  const kText = slack === 1 ? `${k}` : `2·${k}`;
  let l: number;
  let lFormula: string;
  switch (params.lossOfInterest) {
    case 'blind-counter':
      l = counter;
      lFormula = `L = ceil(${kText}/${f}) + 1 = ${l}`;
      break;
    case 'feedback-counter':
      l = s + counter;
      lFormula = `L = S + ceil(${kText}/${f}) + 1 = ${l}`;
      break;
    case 'blind-coin':
      l = coin;
      lFormula = `L = ceil(${kText}·ln(1000·${n})/${f}) = ${l}`;
      break;
    case 'feedback-coin':
      l = s + coin;
      lFormula = `L = S + ceil(${kText}·ln(1000·${n})/${f}) = ${l}`;
      break;
  }
  return {
    rounds: s + l,
    formula: `S + L = ${s + l} (${sFormula}; ${lFormula}, ${params.lossOfInterest})`,
    source: `${SPREAD_SOURCE}; loss of interest: Demers et al. 1987 §1.4 (counter/coin, feedback/blind)`,
  };
}

/**
 * Push-sum: Kempe, Dobra, Gehrke 2003 ("Gossip-based computation of aggregate
 * information", FOCS), Thm 3.1: relative error <= eps after
 * O(log n + log 1/eps + log 1/delta) rounds with probability 1 - delta. The
 * proof's potential halves per round in expectation (Lemma 2.3: E[Φ_{t+1}] =
 * (1/2 - 1/(4n))·Φ_t), and the error is the square root of the potential, so
 * about log2 n + 2·log2(1/eps) rounds are needed in expectation. C = 4 doubles
 * that for the high-probability tail and for fanout 1; D = 5 absorbs the
 * transient while weights spread. `halvings` = log2(spread / tolerance), where
 * spread = max(1, max_i |x_i - avg|), the initial error to remove.
 */
export const PUSHSUM_C = 4;
export const PUSHSUM_D = 5;

export function pushSumBound(n: number, halvings: number): Bound {
  const h = Math.max(0, halvings);
  const rounds = Math.ceil(PUSHSUM_C * (Math.log2(Math.max(1, n)) + h)) + PUSHSUM_D;
  return {
    rounds,
    formula: `ceil(${PUSHSUM_C}·(log2 ${n} + log2(1/eps')=${h.toFixed(2)})) + ${PUSHSUM_D} = ${rounds}`,
    source: 'Kempe, Dobra, Gehrke 2003, Thm 3.1: O(log n + log 1/eps + log 1/delta) rounds',
  };
}
