// The parameters a realtime run declares to a node on its own timers, and the
// timing its generated fault schedules are drawn against. One place for both
// `gossipcheck run` in realtime mode and `gossipcheck chaos`.

import { convergenceBound } from '../../checks/bounds.js';
import { deadAfterMs, deadNoEarlierThanMs, healBound } from '../../checks/membership/bounds.js';
import { GRACE_MS } from '../../checks/realtime.js';
import type { LossOfInterest, MembershipParams, Parameters, Variant } from '../../proto/contract.js';

/**
 * SWIM on its own timers: a probe every 5 periods (memberlist's ProbeInterval
 * of 1 s at a 200 ms period), memberlist's defaults for k (IndirectChecks 3)
 * and suspicion (SuspicionMult 4), lambda 3 (memberlist's RetransmitMult),
 * and a push-pull every 4 probe periods (memberlist's 30 s default would make
 * the heal bound, T·(2P + 3D + 4), minutes long; docs/chaos.md).
 */
export const REALTIME_MEMBERSHIP: MembershipParams = {
  probePeriod: 5,
  indirectProbes: 3,
  suspicionPeriods: 4,
  retransmitMult: 3,
  pushPullPeriods: 4,
};

export interface ParamChoice {
  variant: Variant;
  fanout: number;
  periodMs: number;
  lossOfInterest: LossOfInterest;
  rumorK: number;
  antiEntropyEvery: number;
}

export function realtimeParams(c: ParamChoice): Parameters {
  return {
    variant: c.variant,
    fanout: c.fanout,
    periodMs: c.periodMs,
    lossOfInterest: c.lossOfInterest,
    rumorK: c.rumorK,
    antiEntropyEvery: c.antiEntropyEvery,
    maxPayloadBytes: 0,
    ...(c.variant === 'membership-swim' ? { membership: { ...REALTIME_MEMBERSHIP } } : {}),
  };
}

/**
 * The membership cut lengths a generated schedule draws, in periods of
 * `periodMs`: short ones end before any member can be declared dead (T·S
 * ticks, checks/membership/bounds.ts deadNoEarlierThanMs), long ones outlast
 * the time by which every member across the cut is held dead whp at the
 * largest cluster drawn (deadAfterMs, T·(F + 2 + S + D); q_f = 1/2, the
 * bound grows with n, so it holds for every smaller cluster too).
 */
export function cutLengths(
  p: MembershipParams,
  periodMs: number,
  maxNodes: number,
): { shortCut: number; longCut: number } {
  return {
    shortCut: Math.max(1, Math.floor(deadNoEarlierThanMs(p, periodMs) / periodMs) - 1),
    longCut: Math.ceil(deadAfterMs(maxNodes, p, periodMs, 0.5) / periodMs),
  };
}

/**
 * The longest wait after the heal that a run's bounds can ask for, ms: the
 * membership heal bound T·(2P + 3D + 4) or the convergence bound B(n), in
 * periods, plus the harness's grace (checks/realtime.ts); a run settles at
 * most this long, so a failure is never declared before its bound passed.
 */
export function settleBoundMs(params: Parameters, n: number): number {
  const periods = params.membership
    ? healBound(n, params.membership)
    : (convergenceBound(params.variant, params, n)?.rounds ?? 30);
  return periods * params.periodMs + GRACE_MS;
}
