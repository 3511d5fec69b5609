// The parameters a realtime run declares to a node on its own timers, and the
// timing its generated fault schedules are drawn against. One place for both
// `gossipcheck run` in realtime mode and `gossipcheck chaos`.

import { convergenceBound } from '../../checks/bounds.js';
import { firstDetectionExpected, healBound } from '../../checks/membership/bounds.js';
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
 * Gossip periods until a member cut off is declared dead, in expectation:
 * the first failed probe after T/(1 - e^-q) ticks (Das et al. 2002 §3.1, q =
 * 1/2: half the members cut), one period for the ping-req, then S suspicion
 * periods (§4.2). A partition shorter than this heals while suspicions are
 * still open; one longer makes both sides declare each other dead.
 */
export function deadAfterPeriods(p: MembershipParams): number {
  return p.probePeriod * (Math.ceil(firstDetectionExpected(0.5)) + 1 + p.suspicionPeriods);
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
