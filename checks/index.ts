// checkHistory: every applicable checker over one history, in a stable order.

import type { HistoryEvent } from '../engine/history/events.js';
import {
  ANTI_ENTROPY_VARIANTS,
  KV_VARIANTS,
  MAELSTROM_NODE,
  missingCapability,
  SIR_VARIANTS,
  VARIANTS,
  type Variant,
} from '../proto/contract.js';
import { ADDRESSING, checkAddressing, checkEnvelopeKind, DECLARED_KEYS, ENVELOPE_KIND } from './contract.js';
import {
  checkExchangeDirection,
  checkPayloadSize,
  checkUniqueVersions,
  DIRECT_TRANSPORT,
  directTransport,
  EXCHANGE_DIRECTION,
  EXCHANGE_DIRECTION_VARIANTS,
  PAYLOAD_SIZE,
  UNIQUE_VERSIONS,
} from './contract-exchange.js';
import { checkDurableRestart, checkReadSorted, DURABLE_RESTART, READ_SORTED } from './contract-state.js';
import {
  checkIdenticalState,
  checkMonotonicVersions,
  checkNoLostUpdate,
  checkWithinBound,
  IDENTICAL_STATE,
  MONOTONIC_VERSIONS,
  NO_LOST_UPDATE,
  WITHIN_BOUND,
} from './convergence.js';
import { checkDeclaredKeys, checkDeclaredKeysMs } from './declared-keys.js';
import type { FaultKind } from './fault-effects.js';
import { ALL_FAULTS, requireFaultEffect } from './fault-evidence.js';
import {
  checkDirectMail,
  checkFanout,
  checkMessagesPerUpdate,
  DIRECT_MAIL,
  FANOUT,
  MESSAGES_PER_UPDATE,
} from './messages.js';
import {
  checkEstimate,
  checkMassConservation,
  checkRoundsToEpsilon,
  ESTIMATE_WITHIN_EPSILON,
  MASS_CONSERVATION,
  ROUNDS_TO_EPSILON,
} from './pushsum.js';
import {
  checkQuiescence,
  checkResidue,
  checkTerminalStatus,
  QUIESCENCE,
  RESIDUE,
  TERMINAL_STATUS,
} from './quiescence.js';
import { GRACE_MS } from './realtime-window.js';
import { checkRunCompleted } from './run.js';
import { type CheckInfo, unsupported, type Verdict } from './verdict.js';
import { buildView, type HistoryView } from './view.js';

export interface CheckEntry {
  info: CheckInfo;
  /** Variants the case applies to. */
  variants: readonly Variant[];
  /** Undefined when the history does not meet the case's precondition. */
  check: (v: HistoryView) => Verdict | undefined;
  /** Safety properties hold on any prefix, so they are checked on aborted runs too. */
  safety?: boolean;
  /**
   * Time-free: the case reads no round or hop, so it judges realtime
   * histories (milliseconds) too (checks/realtime.ts).
   */
  realtime?: boolean;
  /**
   * A contract clause the other verdicts stand on (they count by `kind` and
   * `keys`, address by node id): judged on every history the kit records,
   * whatever case it was recorded for, like run/completed (`contractBreaches`).
   */
  ridesAlong?: boolean;
  /** Why this history gives the case nothing it may judge, if it does not (it then does not ride along). */
  inapplicable?: (v: HistoryView) => string | undefined;
  /**
   * A property judged under faults of these kinds: on a run whose faults of
   * these kinds all did nothing it is not judged (checks/fault-evidence.ts).
   */
  faults?: readonly FaultKind[];
}

/** An entry's verdict on a view: its check, held to the fault-evidence rule when it is judged under faults. */
export function judgeEntry(c: CheckEntry, v: HistoryView): Verdict | undefined {
  const verdict = c.check(v);
  return verdict && c.faults ? requireFaultEffect(verdict, v.events, c.faults) : verdict;
}

/** Every case, in report order (after run/completed). */
/** Inapplicable on a Maelstrom node (`onMaelstrom` says why) and on the direct transport (no envelope seen). */
const notOnMaelstromNorDirect =
  (onMaelstrom: string) =>
  (v: HistoryView): string | undefined =>
    v.run?.maelstrom || v.init?.implementation.startsWith(MAELSTROM_NODE)
      ? onMaelstrom
      : directTransport(v)
        ? DIRECT_TRANSPORT
        : undefined;

export const CHECKS: readonly CheckEntry[] = [
  {
    info: IDENTICAL_STATE,
    variants: KV_VARIANTS,
    check: checkIdenticalState,
    realtime: true,
    faults: ALL_FAULTS,
  },
  {
    info: NO_LOST_UPDATE,
    variants: KV_VARIANTS,
    check: checkNoLostUpdate,
    realtime: true,
    faults: ALL_FAULTS,
  },
  {
    info: MONOTONIC_VERSIONS,
    variants: KV_VARIANTS,
    check: checkMonotonicVersions,
    safety: true,
    realtime: true,
  },
  {
    info: WITHIN_BOUND,
    variants: [...ANTI_ENTROPY_VARIANTS, 'hybrid', 'direct-mail'],
    check: checkWithinBound,
    faults: ALL_FAULTS,
  },
  { info: QUIESCENCE, variants: SIR_VARIANTS, check: checkQuiescence },
  { info: TERMINAL_STATUS, variants: SIR_VARIANTS, check: checkTerminalStatus },
  { info: RESIDUE, variants: SIR_VARIANTS, check: checkResidue },
  { info: MESSAGES_PER_UPDATE, variants: KV_VARIANTS, check: checkMessagesPerUpdate, safety: true },
  { info: DIRECT_MAIL, variants: ['direct-mail'], check: checkDirectMail, safety: true },
  {
    info: FANOUT,
    variants: [...ANTI_ENTROPY_VARIANTS, 'rumor-push', 'push-sum', 'hybrid'],
    check: checkFanout,
    safety: true,
  },
  // pushsum/mass-conservation's claim: "also when envelopes are delayed and reordered".
  {
    info: MASS_CONSERVATION,
    variants: ['push-sum'],
    check: checkMassConservation,
    faults: ['delay', 'reorder'],
  },
  { info: ESTIMATE_WITHIN_EPSILON, variants: ['push-sum'], check: checkEstimate },
  { info: ROUNDS_TO_EPSILON, variants: ['push-sum'], check: checkRoundsToEpsilon },
  {
    info: ENVELOPE_KIND,
    variants: VARIANTS,
    check: checkEnvelopeKind,
    safety: true,
    // Time-free, and with the `control` kind libraries on their own timers
    // have a word for their layered traffic (proto/contract.ts CONTROL_KIND).
    realtime: true,
    ridesAlong: true,
    inapplicable: notOnMaelstromNorDirect(
      "a Maelstrom node's messages are labelled by their own body type, not the contract's vocabulary",
    ),
  },
  {
    info: DECLARED_KEYS,
    variants: KV_VARIANTS,
    check: (v) => (v.run?.mode === 'realtime' ? checkDeclaredKeysMs(v, GRACE_MS) : checkDeclaredKeys(v)),
    safety: true,
    // Its time form widens the round to the node's previous read (less the grace): a stalled
    // harness only widens it further, so it cannot make the rule fail.
    realtime: true,
    ridesAlong: true,
    inapplicable: notOnMaelstromNorDirect(
      "the Maelstrom adapter, not the node, lists an envelope's keys (from its ledger)",
    ),
  },
  { info: ADDRESSING, variants: VARIANTS, check: checkAddressing, safety: true, ridesAlong: true },
  {
    info: UNIQUE_VERSIONS,
    variants: KV_VARIANTS,
    check: checkUniqueVersions,
    safety: true,
    realtime: true,
    ridesAlong: true,
  },
  {
    info: PAYLOAD_SIZE,
    variants: VARIANTS,
    check: checkPayloadSize,
    safety: true,
    realtime: true,
    ridesAlong: true,
    inapplicable: (v) => (directTransport(v) ? DIRECT_TRANSPORT : undefined),
  },
  // Lockstep only: a node's Read order does not depend on its clock mode, and a
  // Maelstrom node's snapshots are built (sorted) by its adapter, not by it.
  { info: READ_SORTED, variants: VARIANTS, check: checkReadSorted, safety: true, ridesAlong: true },
  {
    info: DURABLE_RESTART,
    variants: KV_VARIANTS,
    check: checkDurableRestart,
    safety: true,
    ridesAlong: true,
  },
  {
    info: EXCHANGE_DIRECTION,
    variants: EXCHANGE_DIRECTION_VARIANTS,
    check: checkExchangeDirection,
    safety: true,
  },
];

/** Why the IUT cannot be held to this run's cases, if it cannot. */
function missingCapabilityOf(v: HistoryView): string | undefined {
  if (!v.init) return "no 'init' event: the IUT's capabilities are unknown";
  const caps = v.init.capabilities;
  const mode = v.run?.mode === 'realtime' ? 'realtime' : 'lockstep';
  const missing = missingCapability(caps, v.variant!, mode, v.params!.lossOfInterest);
  if (missing) return missing;
  if (v.restarts.some((r) => r.durable) && !caps.durableRestart)
    return 'durable restart used but not declared';
  return undefined;
}

/**
 * All verdicts for one history (or only those of `only`): run/completed first, then every case that
 * applies to the run's variant, in CHECKS order. Undeclared capabilities give
 * one UNSUPPORTED verdict per applicable case; an aborted run is checked for
 * safety properties only.
 */
export function checkHistory(events: HistoryEvent[], only?: ReadonlySet<string>): Verdict[] {
  return checkView(buildView(events), only);
}

/** checkHistory over a view already built. */
export function checkView(v: HistoryView, only?: ReadonlySet<string>): Verdict[] {
  const out: Verdict[] = [checkRunCompleted(v)];
  if (!v.run) return out;
  const applicable = CHECKS.filter((c) => c.variants.includes(v.variant!) && (!only || only.has(c.info.id)));
  const missing = missingCapabilityOf(v);
  if (missing) return [...out, ...applicable.map((c) => unsupported(c.info, missing))];
  const completed = v.end?.reason === 'completed';
  for (const c of applicable) {
    if (!completed && !c.safety) continue;
    const verdict = judgeEntry(c, v);
    if (verdict) out.push(verdict);
  }
  return out;
}

/**
 * The cases that ride along on this history: every `ridesAlong` case for its
 * variant that can judge it (in realtime, the time-free ones), in CHECKS
 * order. One rule for every mode: checkRealtimeHistory judges these too.
 * None when the IUT did not declare what the run needs (its cases are
 * UNSUPPORTED, not failed).
 */
export function ridingAlong(v: HistoryView): CheckEntry[] {
  if (!v.run || !v.variant || !VARIANTS.includes(v.variant) || missingCapabilityOf(v)) return [];
  const realtime = v.run.mode === 'realtime';
  return CHECKS.filter(
    (c) =>
      c.ridesAlong && c.variants.includes(v.variant!) && (!realtime || c.realtime) && !c.inapplicable?.(v),
  );
}

/**
 * The contract clauses a history breaks: the FAIL verdicts of the cases that
 * ride along on it, but for those in `judged` (the case judged them itself).
 */
export function contractBreaches(
  history: HistoryEvent[] | HistoryView,
  judged: ReadonlySet<string> = new Set(),
): Verdict[] {
  const v = Array.isArray(history) ? buildView(history) : history;
  const out: Verdict[] = [];
  for (const c of ridingAlong(v)) {
    if (judged.has(c.info.id)) continue;
    const verdict = c.check(v);
    if (verdict?.verdict === 'FAIL') out.push(verdict);
  }
  return out;
}

export type { Verdict } from './verdict.js';
export { buildView, type HistoryView } from './view.js';
