// The checks of a realtime (chaos) run, over its history, in their realtime
// form. `r` is milliseconds, so the round-based cases are reused where they do
// not depend on what a round is, and the convergence bound is re-stated in
// time:
// - run/completed and every shared case marked time-free (CHECKS, `realtime`):
//   identical-state, no-lost-update, monotonic-versions (reads, acks,
//   crashes, restarts), and the contract cases that ride along on every
//   history and are time-free (contract/unique-versions, contract/payload-size:
//   what each version and envelope says; checks/index.ts ridingAlong): the
//   lockstep checkers, unchanged.
//   contract/envelope-kind is among them: libraries on their own timers
//   label their layered control traffic (SWIM under a key-value variant,
//   gossipsub's GRAFT / PRUNE / IHAVE / IWANT) with the value-free `control`
//   kind every vocabulary has (proto/contract.ts CONTROL_KIND); a Maelstrom
//   node's messages are its own protocol's, so it is not judged there.
// - convergence/within-bound: identical state within B(n) gossip periods of
//   the last disturbance, plus a fixed allowance for the harness's own
//   latency (read interval, docker start, Init): B·period_ms + grace ms.
// - per gossip period (checks/realtime-bounds.ts, checks/realtime-window.ts):
//   bounds/fanout (exchanges opened, by kind), bounds/direct-mail (per key),
//   bounds/control-traffic (the control kind's own bound; UNSUPPORTED when
//   the IUT sends no control envelope: the kind is optional), bounds/messages-per-period and bounds/redundant-deliveries (INFO).
// - SIR termination in ms (checks/realtime-sir.ts): sir/quiescence,
//   sir/terminal-status, and sir/residue (INFO).
// - contract/declared-keys rides along in its time form (checks/declared-keys.ts):
//   a learned value came in a delivered envelope listing its key since the
//   node's previous read, so value traffic cannot hide in the value-free kinds.
// A Maelstrom node keeps its own clock and protocol (no period declared), so
// none of the per-period or SIR cases is judged on its history.
// Cases that read rounds or hops (messages per update, addressing, exchange
// direction) need lockstep ticks: not judged here.
// Variants without a convergence guarantee under faults (direct mail, pure
// rumor mongering: Demers et al. 1987 §1.2-1.4, a rumor may die out or be
// lost to a partition) run on the process backend too, but there identical
// state and lost updates are measured (INFO), never gating.

import type { HistoryEvent } from '../engine/history/events.js';
import {
  ANTI_ENTROPY_VARIANTS,
  CONTROL_KIND,
  KV_VARIANTS,
  minimalParameters,
  missingCapability,
  SIR_VARIANTS,
  VARIANTS,
  type Variant,
} from '../proto/contract.js';
import { convergenceBound } from './bounds.js';
import { DECLARED_KEYS, ENVELOPE_KIND } from './contract.js';
import { DIRECT_TRANSPORT, directTransport } from './contract-exchange.js';
import { IDENTICAL_STATE, NO_LOST_UPDATE, WITHIN_BOUND } from './convergence.js';
import { ALL_FAULTS, requireFaultEffect } from './fault-evidence.js';
import { atLevel } from './grade.js';
import { CHECKS, type CheckEntry, judgeEntry } from './index.js';
import { MEMBERSHIP_FAULTS } from './membership/faults.js';
import { PARTITION_HEAL } from './membership/liveness.js';
import { DIRECT_MAIL } from './messages.js';
import { QUIESCENCE, RESIDUE, TERMINAL_STATUS } from './quiescence.js';
import {
  CONTROL_TRAFFIC,
  checkControlTraffic,
  checkDirectMailMs,
  checkFanoutMs,
  checkMessagesPerPeriod,
  checkRedundantDeliveries,
  FANOUT_MS,
  FANOUT_VARIANTS,
  MESSAGES_PER_PERIOD,
  REDUNDANT_DELIVERIES,
} from './realtime-bounds.js';
import { checkMembershipRealtime, REALTIME_MEMBERSHIP_CASES } from './realtime-membership.js';
import { checkQuiescenceMs, checkResidueMs, checkTerminalStatusMs } from './realtime-sir.js';
import { GRACE_MS } from './realtime-window.js';
import { checkRunCompleted, RUN_COMPLETED } from './run.js';
import { type CheckInfo, notJudged, unsupported, type Verdict, verdictOf } from './verdict.js';
import { buildView, type HistoryView } from './view.js';

/** The variants a chaos run checks: those with a convergence guarantee under faults. */
export const CHAOS_VARIANTS: readonly Variant[] = [...ANTI_ENTROPY_VARIANTS, 'hybrid'];

/** The variants a realtime run accepts: every key-value variant (the rest measured, not gated). */
export const REALTIME_VARIANTS: readonly Variant[] = [...KV_VARIANTS, 'membership-swim'];

/**
 * A gate turned measurement: the variant promises no convergence under
 * faults, so the requirement is INFO for it and its verdict is read at that
 * level (grading: checks/grade.ts).
 */
function measured(v: Verdict, variant: Variant): Verdict {
  if (CHAOS_VARIANTS.includes(variant) || v.verdict === 'UNSUPPORTED') return v;
  return {
    ...v,
    level: 'INFO',
    verdict: atLevel(v.verdict, 'INFO'),
    requirement: `${v.requirement} (measured: ${variant} promises no convergence under faults)`,
  };
}

// The harness grace lives with the windows (a leaf module the shared checks can import).
export { GRACE_MS };

/** Undefined when the run has no bound: none for its variant, or no declared period (a Maelstrom node keeps its own). */
export function withinBoundMs(v: HistoryView, graceMs = GRACE_MS): Verdict | undefined {
  const bound = convergenceBound(v.variant!, v.params!, v.n);
  const period = v.params!.periodMs;
  if (!bound || period <= 0) return undefined;
  const limit = bound.rounds * period + graceMs;
  const info = {
    ...WITHIN_BOUND,
    requirement:
      'All live nodes MUST hold identical state within B(n) gossip periods (plus the harness grace) of the last disturbance (update, fault stop, kill / restart, pause stop) and keep it to the end.',
    source: `${bound.source}; B = ${bound.formula} periods of ${period} ms, + ${graceMs} ms grace`,
  };
  const dist = v.lastDisturbance;
  const expected = `converged <= ${limit} ms after the last disturbance (${dist.round} ms: ${dist.what})`;
  const details = [`last disturbance: ${dist.round} ms, ${dist.what}`, `history ends at ${v.lastRound} ms`];
  if (v.unhealed.length) {
    return notJudged(info, {
      expected,
      observed: 'faults never healed',
      details: [...v.unhealed, ...details],
    });
  }
  if (v.convergedSince === undefined) {
    return verdictOf(info, false, { expected, observed: 'never converged', details }, 1);
  }
  const took = Math.max(0, v.convergedSince - dist.round);
  return verdictOf(
    info,
    took <= limit,
    {
      expected,
      observed: `identical from ${v.convergedSince} ms on: ${took} ms after the last disturbance`,
      details,
    },
    v.updates.length,
  );
}

/** The shared cases (checks/index.ts CHECKS) that judge realtime histories of `variant`. */
const sharedCases = (variant: Variant): readonly CheckEntry[] =>
  CHECKS.filter((c) => c.realtime && c.variants.includes(variant));

/** Cases a variant without a convergence guarantee under faults has measured (INFO), not gated. */
const MEASURED_UNLESS_CHAOS: ReadonlySet<string> = new Set([
  IDENTICAL_STATE.id,
  NO_LOST_UPDATE.id,
  WITHIN_BOUND.id,
]);

/** A case judged per gossip period or in ms of the declared period (none on a Maelstrom history). */
interface TimedCase {
  info: CheckInfo;
  variants: readonly Variant[];
  /** Holds on any prefix: judged on an aborted run too. */
  safety?: boolean;
  check: (v: HistoryView) => Verdict;
  /** Counts the envelopes that pass the harness: UNSUPPORTED by a direct-transport run. */
  envelopes?: boolean;
}

const TIMED_CASES: readonly TimedCase[] = [
  { info: FANOUT_MS, variants: FANOUT_VARIANTS, safety: true, envelopes: true, check: checkFanoutMs },
  { info: DIRECT_MAIL, variants: ['direct-mail'], safety: true, envelopes: true, check: checkDirectMailMs },
  {
    info: CONTROL_TRAFFIC,
    variants: KV_VARIANTS,
    safety: true,
    envelopes: true,
    // The kind is optional: a node that sends none uses no feature the bound is for.
    check: (v) =>
      v.sends.some((s) => s.kind === CONTROL_KIND)
        ? checkControlTraffic(v)
        : unsupported(CONTROL_TRAFFIC, 'the IUT sent no control envelope: nothing of the kind to bound'),
  },
  {
    info: MESSAGES_PER_PERIOD,
    variants: KV_VARIANTS,
    safety: true,
    envelopes: true,
    check: checkMessagesPerPeriod,
  },
  {
    info: REDUNDANT_DELIVERIES,
    variants: KV_VARIANTS,
    safety: true,
    envelopes: true,
    check: checkRedundantDeliveries,
  },
  {
    info: QUIESCENCE,
    variants: SIR_VARIANTS,
    envelopes: true,
    check: (v) => checkQuiescenceMs(v, GRACE_MS),
  },
  { info: TERMINAL_STATUS, variants: SIR_VARIANTS, check: (v) => checkTerminalStatusMs(v, GRACE_MS) },
  { info: RESIDUE, variants: SIR_VARIANTS, check: checkResidueMs },
];

const timedCases = (variant: Variant): readonly TimedCase[] =>
  TIMED_CASES.filter((c) => c.variants.includes(variant));

/**
 * Ids of the cases a Maelstrom history is not judged by: those of the
 * declared period (a Maelstrom node declares none), and contract/envelope-kind
 * (its messages carry their own body types, not the contract's vocabulary).
 */
export const NOT_ON_MAELSTROM: ReadonlySet<string> = new Set(
  [WITHIN_BOUND, ENVELOPE_KIND, DECLARED_KEYS, ...TIMED_CASES.map((c) => c.info)].map((c) => c.id),
);

/** Whether `variant` has a convergence bound at all (pure rumor mongering has none: checks/bounds.ts). */
const hasBound = (variant: Variant): boolean =>
  convergenceBound(variant, minimalParameters(variant), 3) !== undefined;

/** The cases a realtime run of `variant` judges (besides run/completed), in report order. */
export function realtimeCases(variant: Variant): CheckInfo[] {
  return variant === 'membership-swim'
    ? [...REALTIME_MEMBERSHIP_CASES]
    : [
        ...sharedCases(variant).map((c) => c.info),
        ...(hasBound(variant) ? [WITHIN_BOUND] : []),
        ...timedCases(variant).map((c) => c.info),
      ];
}

/** Every case id a realtime run of `variant` may report, run/completed first. */
export const realtimeCaseIds = (variant: Variant): string[] => [
  RUN_COMPLETED.id,
  ...realtimeCases(variant).map((c) => c.id),
];

/** An implementation that does not declare what the run needs: every case UNSUPPORTED, nothing run. */
export function unsupportedRun(variant: Variant, missing: string): Verdict[] {
  return [RUN_COMPLETED, ...realtimeCases(variant)].map((c) => unsupported(c, missing));
}

/**
 * run/completed, then the shared time-free cases in CHECKS order (safety ones
 * on an aborted run too), then within-bound in its realtime form.
 */
export function checkRealtimeHistory(events: HistoryEvent[]): Verdict[] {
  const v = buildView(events);
  const out: Verdict[] = [checkRunCompleted(v)];
  if (!v.run || !v.variant || !VARIANTS.includes(v.variant) || !v.init) return out;
  const variant = v.variant;
  const missing = missingCapability(v.init.capabilities, variant, 'realtime', v.params?.lossOfInterest);
  if (missing) return [...out, ...realtimeCases(variant).map((c) => unsupported(c, missing))];
  const completed = v.end?.reason === 'completed';
  if (variant === 'membership-swim')
    return completed
      ? [
          ...out,
          ...checkMembershipRealtime(events, GRACE_MS).map((m) => {
            // partition-heal's realtime form heals after any disturbance (fault stop, restart,
            // pause end): every kind counts; the others as in lockstep (membership/faults.ts).
            const kinds = m.id === PARTITION_HEAL.id ? ALL_FAULTS : MEMBERSHIP_FAULTS[m.id];
            return kinds ? requireFaultEffect(m, events, kinds) : m;
          }),
        ]
      : out;
  for (const c of sharedCases(variant)) {
    if (!completed && !c.safety) continue;
    if (v.run.maelstrom && NOT_ON_MAELSTROM.has(c.info.id)) continue;
    // The same rule as riding along (checks/index.ts ridingAlong): e.g. no
    // payload to measure when the direct transport sends node to node. The
    // run's setup cannot judge it, whatever the node does: UNSUPPORTED (with
    // the reason), like a capability the run lacks, not INCONCLUSIVE.
    const inapplicable = c.inapplicable?.(v);
    if (inapplicable) {
      out.push(unsupported(c.info, `not judged by this setup: ${inapplicable}`));
      continue;
    }
    const verdict = judgeEntry(c, v);
    if (verdict) out.push(MEASURED_UNLESS_CHAOS.has(c.info.id) ? measured(verdict, variant) : verdict);
  }
  if (completed) {
    const b = withinBoundMs(v);
    if (b) out.push(measured(requireFaultEffect(b, events, ALL_FAULTS), variant));
  }
  if (v.run.maelstrom) return out;
  const direct = directTransport(v);
  for (const c of timedCases(variant)) {
    if (!completed && !c.safety) continue;
    if (c.envelopes && direct) {
      out.push(unsupported(c.info, `not judged by this setup: ${DIRECT_TRANSPORT}`));
      continue;
    }
    out.push(c.check(v));
  }
  return out;
}
