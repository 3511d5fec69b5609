// membership/…: the SWIM theory the checks hold a lockstep history to. Every
// bound is built from theory and the declared parameters
// (Parameters.membership), never from the reference's behaviour:
//   T  probe period in ticks; k indirect probes; S suspicion periods;
//   lambda retransmit factor; P push-pull periods; n members.
//   D(n) = ceil(lambda * log2(n + 1)) periods: infection-style dissemination
//     (each update piggybacked that many times per member; push spreading
//     takes log2 n + ln n + O(1) periods whp, Pittel 1987, below D for
//     lambda >= 2).
//   F(n, q_f) periods until some live member probes a crashed one: SWIM's
//     expected first-detection time is T/(1 - e^(-q_f)) (Das et al. 2002
//     §3.1, q_f the fraction of non-faulty members); whp (1e-6) the wait is
//     at most ln(1e6)/q_f periods, and the round-robin order caps it at
//     2(n - 1) periods (§4.3).

import type { MembershipParams } from '../../proto/contract.js';

export const SWIM = 'Das, Gupta, Motivala 2002 (SWIM)';
export const BOUNDS = `${SWIM}; bounds in checks/membership/bounds.ts from the declared Parameters.membership`;

export const dissemination = (n: number, p: MembershipParams): number =>
  Math.max(1, Math.ceil(p.retransmitMult * Math.log2(n + 1)));

export const firstDetectionExpected = (qf: number): number => 1 / (1 - Math.exp(-qf));

export const firstDetectionWhp = (n: number, qf: number): number =>
  Math.min(Math.ceil(Math.log(1e6) / qf), 2 * (n - 1));

/** Ticks from a crash to every live member holding it dead: T·(F + 2 + S + D). */
export function detectBound(n: number, qf: number, p: MembershipParams): number {
  return p.probePeriod * (firstDetectionWhp(n, qf) + 2 + p.suspicionPeriods + dissemination(n, p));
}

/** Ticks from a join (or leave) to every live member knowing it: T·(D + 3). */
export const spreadBound = (n: number, p: MembershipParams): number =>
  p.probePeriod * (dissemination(n, p) + 3);

/** Ticks from a restart to it being alive everywhere: a push-pull, a refutation, a spread: T·(2D + 3). */
export const rejoinBound = (n: number, p: MembershipParams): number =>
  p.probePeriod * (2 * dissemination(n, p) + 3);

/** Ticks from a heal to one view: a push-pull to a dead member, then three spreads (deaths, refutations, stragglers) and a push-pull. */
export const healBound = (n: number, p: MembershipParams): number =>
  p.probePeriod * (2 * p.pushPullPeriods + 3 * dissemination(n, p) + 4);

/** Probability that a probe of a live member fails under loss p with k indirect probes (SWIM §3.1). */
export const probeFailure = (p: number, k: number): number => (1 - (1 - p) ** 2) * (1 - (1 - p) ** 4) ** k;

/** The smallest c with P(Bin(trials, q) > c) <= tail: an upper bound on chance alone. */
export function binomialUpper(trials: number, q: number, tail = 1e-6): number {
  if (q <= 0 || trials === 0) return 0;
  if (q >= 1) return trials;
  // pmf in logs, summed from 0 up until the rest of the mass is at most `tail`.
  let logPmf = trials * Math.log1p(-q);
  let cdf = Math.exp(logPmf);
  let c = 0;
  while (1 - cdf > tail && c < trials) {
    logPmf += Math.log((trials - c) / (c + 1)) + Math.log(q) - Math.log1p(-q);
    c++;
    cdf += Math.exp(logPmf);
  }
  return c;
}

/**
 * Milliseconds after which every member of a side holding `qf`·n members
 * holds every member it cannot reach (the other side of a partition, a
 * crashed member) dead, whp: detectBound T·(F + 2 + S + D) ticks of
 * `periodMs`. For a partition, qf is the smaller side's share (a smaller side
 * makes F larger). A partition longer than this leaves both sides holding each
 * other dead: only a reconnect to members held dead heals it.
 */
export const deadAfterMs = (n: number, p: MembershipParams, periodMs: number, qf: number): number =>
  detectBound(n, qf, p) * periodMs;

/**
 * Milliseconds before which no member can be declared dead by the declared
 * parameters: a suspicion lasts S periods, and starts at the earliest when the
 * probe sent just before the cut fails, under a period later: T·S ticks of
 * `periodMs`. A partition shorter than this heals by refutation alone.
 * (memberlist's suspicion timeout is S·log10(n)·T, shorter for n < 10.)
 */
export const deadNoEarlierThanMs = (p: MembershipParams, periodMs: number): number =>
  p.probePeriod * p.suspicionPeriods * periodMs;
