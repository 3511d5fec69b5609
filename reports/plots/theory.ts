// Mean-field (deterministic, n -> infinity) curves of the informed fraction
// i_t per round, for one update starting at one node (i_0 = 1/n), fanout f,
// peers chosen uniformly at random. A susceptible node stays susceptible
// through one round when no informed node pushes to it and/or every peer it
// pulls from is susceptible:
//
//   push       P(missed by all i·n·f pushes) = (1 - 1/n)^(f·i·n) -> e^(-f·i)
//              i' = i + (1 - i)·(1 - e^(-f·i))
//              Pittel 1987, "On spreading a rumor" (log2 n + ln n + O(1) rounds);
//              Demers et al. 1987 §1.3 (anti-entropy push).
//   pull       P(all f pulled peers susceptible) = (1 - i)^f
//              i' = 1 - (1 - i)^(f+1)
//              Demers et al. 1987 §1.3: p_{t+1} = p_t^2 for f = 1 (p = 1 - i),
//              quadratic convergence once most nodes know.
//   push-pull  both must miss: i' = 1 - (1 - i)^(f+1)·e^(-f·i)
//              Karp, Schindelhauer, Shenker, Vöcking 2000, "Randomized rumor
//              spreading" (log3 n + O(ln ln n) rounds).
//   direct mail: every peer is mailed at once, i' = 1 (Demers et al. 1987 §1.1).
//
// Rumor mongering (SIR) follows the push or pull curve while almost every
// contact is useful; loss of interest then stops it short of 1 (residue
// s = e^(-m), Demers et al. 1987 §1.4), so the SI curve is an upper bound
// there. Hybrid spreads by push rumors first. Push-sum has no informed/
// susceptible model: no curve (Kempe et al. 2003 bounds its error instead).
//
// A lockstep round applies the round's writes, then one gossip period, so the
// writer's own round already shows one step: the curve's value at the write's
// round r0 is F(1/n), at r0 + k it is F^(k+1)(1/n).
import type { Variant } from '../../proto/contract.js';
import type { Point } from './series.js';

export type SpreadModel = 'push' | 'pull' | 'push-pull' | 'direct-mail';

export function spreadModel(variant: Variant): SpreadModel | undefined {
  switch (variant) {
    case 'anti-entropy-push':
    case 'rumor-push':
    case 'hybrid':
      return 'push';
    case 'anti-entropy-pull':
    case 'rumor-pull':
      return 'pull';
    case 'anti-entropy-push-pull':
      return 'push-pull';
    case 'direct-mail':
      return 'direct-mail';
    default:
      return undefined;
  }
}

/** One round of the mean-field map for `model` with fanout f. */
export function step(model: SpreadModel, i: number, f: number): number {
  switch (model) {
    case 'push':
      return i + (1 - i) * (1 - Math.exp(-f * i));
    case 'pull':
      return 1 - (1 - i) ** (f + 1);
    case 'push-pull':
      return 1 - (1 - i) ** (f + 1) * Math.exp(-f * i);
    case 'direct-mail':
      return 1;
  }
}

export const FORMULAS: Record<SpreadModel, string> = {
  push: "i' = i + (1−i)(1 − e^(−f·i))  (Pittel 1987; Demers et al. 1987)",
  pull: "i' = 1 − (1−i)^(f+1)  (Demers et al. 1987)",
  'push-pull': "i' = 1 − (1−i)^(f+1)·e^(−f·i)  (Karp et al. 2000)",
  'direct-mail': "i' = 1  (Demers et al. 1987 §1.1)",
};

/** The curve from round `start` to `end`, starting from one informed node of n. */
export function meanFieldCurve(
  model: SpreadModel,
  n: number,
  f: number,
  start: number,
  end: number,
): Point[] {
  const fan = Math.max(1, f);
  let i = 1 / Math.max(1, n);
  const points: Point[] = [];
  for (let r = start; r <= end; r++) {
    i = step(model, i, fan);
    points.push({ x: r, y: i });
  }
  return points;
}

/**
 * Push rumor mongering as an SIR process (Demers et al. 1987 §1.4): per
 * round, s' = s·e^(−f·i) (a susceptible is missed by every infective's f
 * pushes), and an infective loses interest on each of its f contacts that
 * reaches an already-informed node (probability 1 − s) with probability 1/k
 * — the feedback + coin rule, whose continuous form ds/dt = −s·i,
 * di/dt = s·i − (1/k)(1 − s)·i gives Demers' residue s = e^(−(k+1)(1−s)).
 * Blind rules lose interest on every contact, informed or not. Counter rules
 * are drawn with the coin curve of the same k (Demers: the variants differ
 * little in the mean). Returns the informed fraction 1 − s per round.
 */
export function sirPushCurve(
  n: number,
  f: number,
  k: number,
  blind: boolean,
  start: number,
  end: number,
): Point[] {
  const fan = Math.max(1, f);
  const quit = 1 / Math.max(1, k);
  let s = 1 - 1 / Math.max(1, n);
  let i = 1 - s;
  const points: Point[] = [];
  for (let r = start; r <= end; r++) {
    const sNext = s * Math.exp(-fan * i);
    const lose = 1 - (1 - quit * (blind ? 1 : 1 - s)) ** fan;
    i = Math.max(0, i * (1 - lose) + (s - sNext));
    s = sNext;
    points.push({ x: r, y: 1 - s });
  }
  return points;
}

export const SIR_FORMULA =
  "s' = s·e^(−f·i), i' = i·(1 − lost) + (s − s'), lost = 1 − (1 − (1−s)/k)^f  (Demers et al. 1987 §1.4)";
