// Validation of the SWIM parameters (gossip.proto MembershipParameters).
import { ContractError, type MembershipParams } from '../../proto/contract.js';

const ok = (x: unknown, min: number): x is number =>
  typeof x === 'number' && Number.isSafeInteger(x) && x >= min;

/**
 * What the reference runs when Init gives no membership parameters (a kit
 * that predates them): memberlist-like values for a small LAN cluster.
 */
export const DEFAULT_MEMBERSHIP: MembershipParams = {
  probePeriod: 2,
  indirectProbes: 3,
  suspicionPeriods: 8,
  retransmitMult: 4,
  pushPullPeriods: 5,
};

export function validateMembership(m: MembershipParams | undefined): MembershipParams {
  if (!m) throw new ContractError('invalid-argument', 'membership-swim needs Parameters.membership');
  const fields: [keyof MembershipParams, number][] = [
    ['probePeriod', 2],
    ['indirectProbes', 1],
    ['suspicionPeriods', 1],
    ['retransmitMult', 1],
    ['pushPullPeriods', 1],
  ];
  for (const [f, min] of fields) {
    if (!ok(m[f], min)) {
      throw new ContractError(
        'invalid-argument',
        `membership.${f} must be an integer >= ${min}, got ${String(m[f])}`,
      );
    }
  }
  return {
    probePeriod: m.probePeriod,
    indirectProbes: m.indirectProbes,
    suspicionPeriods: m.suspicionPeriods,
    retransmitMult: m.retransmitMult,
    pushPullPeriods: m.pushPullPeriods,
  };
}
