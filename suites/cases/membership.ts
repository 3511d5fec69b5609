// membership/…: SWIM group membership (variant membership-swim). Each case
// draws a cluster with its declared parameters (Parameters.membership) and
// a plan of joins, leaves, crashes, restarts, pauses, loss or a partition,
// and holds the history to bounds built from theory and those parameters
// (checks/membership/bounds.ts), never calibrated on the reference.
import * as fc from 'fast-check';
import type { FaultKind } from '../../checks/fault-effects.js';
import { requireFaultEffect } from '../../checks/fault-evidence.js';
import { gradeRun } from '../../checks/grade.js';
import { checkHistory } from '../../checks/index.js';
import {
  ACCURACY,
  ACCURACY_MAX_LOSS_PERCENT,
  checkAccuracy,
  checkFalsePositives,
  checkRefute,
  checkSuspicionRate,
  FALSE_POSITIVES,
  REFUTE,
  SUSPICION_RATE,
} from '../../checks/membership/accuracy.js';
import {
  detectBound,
  dissemination,
  healBound,
  rejoinBound,
  spreadBound,
} from '../../checks/membership/bounds.js';
import { MEMBERSHIP_FAULTS } from '../../checks/membership/faults.js';
import {
  checkDetectCrash,
  checkJoin,
  checkLeave,
  checkPartitionHeal,
  checkRejoin,
  DETECT_CRASH,
  JOIN,
  LEAVE,
  PARTITION_HEAL,
  REJOIN,
} from '../../checks/membership/liveness.js';
import { checkProbeTraffic, PROBE_TRAFFIC } from '../../checks/membership/traffic.js';
import { membershipView } from '../../checks/membership/view.js';
import type { CheckInfo, Verdict } from '../../checks/verdict.js';
import type { FaultSchedule } from '../../engine/faults/schedule.js';
import type { HistoryEvent } from '../../engine/history/events.js';
import { type LockstepSpec, runLockstep } from '../../engine/runner/lockstep.js';
import { type MembershipParams, minimalParameters, type NodeId } from '../../proto/contract.js';
import { deriveSeed } from '../../shared/prng.js';
import { int, record } from '../input-schema.js';
import type { CaseDef } from '../model.js';

type Kind = 'join' | 'leave' | 'crash' | 'accuracy' | 'partition' | 'rejoin';

/** One membership run: a cluster, its SWIM parameters and a plan (rounds are ticks). */
export interface MembershipInput {
  n: number;
  seed: number;
  probePeriod: number;
  indirectProbes: number;
  retransmitMult: number;
  /** Suspicion periods beyond 2D + 2 (see ACCURACY's source). */
  suspicionExtra: number;
  pushPullPeriods: number;
  /** Nodes (the last ones) that join late, through the previous one (a new seed). */
  joiners: number;
  /** Round of the joins / leave / crashes / pause / partition. */
  at: number;
  /** How many crash (crash, rejoin). */
  victims: number;
  lossPercent: number;
  /** Pause length in ticks (accuracy), or partition length. */
  span: number;
}

const VARIANT = 'membership-swim' as const;
const MIN_N = 4;

export function membershipParams(input: MembershipInput): MembershipParams {
  const base = {
    probePeriod: input.probePeriod,
    indirectProbes: input.indirectProbes,
    retransmitMult: input.retransmitMult,
    pushPullPeriods: input.pushPullPeriods,
    suspicionPeriods: 1,
  };
  return { ...base, suspicionPeriods: 2 * dissemination(input.n, base) + 2 + input.suspicionExtra };
}

function arb(kind: Kind, maxNodes: number): fc.Arbitrary<MembershipInput> {
  const maxN = Math.max(MIN_N, Math.min(maxNodes, 10));
  return fc.record({
    n: fc.integer({ min: MIN_N, max: maxN }),
    seed: fc.integer({ min: 0, max: 0x7fffffff }),
    probePeriod: fc.integer({ min: 2, max: 3 }),
    indirectProbes: fc.integer({ min: 1, max: 3 }),
    retransmitMult: fc.integer({ min: 2, max: 4 }),
    suspicionExtra: fc.integer({ min: 0, max: 2 }),
    pushPullPeriods: fc.integer({ min: 3, max: 6 }),
    joiners: kind === 'join' ? fc.integer({ min: 1, max: 3 }) : fc.constant(0),
    at: fc.integer({ min: 3, max: 15 }),
    victims: kind === 'crash' || kind === 'rejoin' ? fc.integer({ min: 1, max: 2 }) : fc.constant(0),
    lossPercent:
      kind === 'accuracy' ? fc.integer({ min: 0, max: ACCURACY_MAX_LOSS_PERCENT }) : fc.constant(0),
    span: fc.integer({ min: 2, max: 40 }),
  });
}

const inputProblem = (x: unknown): string | null =>
  record({
    n: int(2, 64),
    seed: int(0, 2 ** 32),
    probePeriod: int(2, 10),
    indirectProbes: int(1, 10),
    retransmitMult: int(1, 10),
    suspicionExtra: int(0, 100),
    pushPullPeriods: int(1, 100),
    joiners: int(0, 63),
    at: int(1, 1000),
    victims: int(0, 63),
    lossPercent: int(0, 100),
    span: int(0, 10_000),
  })(x, 'input');

/** The run: nodes, seeds, schedule and membership events for a case kind; rounds past the bound. */
export function membershipSpec(
  kind: Kind,
  input: MembershipInput,
  callTimeoutMs: number,
  minRounds: number,
): LockstepSpec {
  const n = input.n;
  const nodes: NodeId[] = Array.from({ length: n }, (_, i) => `n${i}`);
  const p = membershipParams(input);
  const joiners = Math.min(input.joiners, n - 2);
  const initial = nodes.slice(0, n - joiners);
  const peers: Record<NodeId, NodeId[]> = {};
  const seeds: Record<NodeId, NodeId[]> = {};
  for (const x of initial) {
    peers[x] = initial.filter((y) => y !== x);
    seeds[x] = x === 'n0' ? ['n1'] : ['n0'];
  }
  // Joins and leaves go after the faults: at the same round they apply after the faults' starts.
  const membership: FaultSchedule = [];
  // Each joiner seeds through the previous one, itself new (the first through n0).
  nodes.slice(n - joiners).forEach((x, i) => {
    peers[x] = [];
    seeds[x] = [i === 0 ? 'n0' : nodes[n - joiners + i - 1]];
    membership.push({ type: 'join', at: input.at, node: x });
  });
  const schedule: FaultSchedule = [];
  const victims = nodes.slice(n - Math.min(input.victims, n - 2));
  const qf = (n - victims.length) / n;
  let last = input.at;
  let bound = spreadBound(n, p);
  switch (kind) {
    case 'leave':
      membership.push({ type: 'leave', at: input.at, node: nodes[n - 1] });
      break;
    case 'crash':
      for (const v of victims) schedule.push({ type: 'crash', at: input.at, node: v });
      bound = detectBound(n, qf, p);
      break;
    case 'rejoin': {
      // Restart once the crash is surely detected: the old incarnation is dead everywhere.
      const back = input.at + detectBound(n, qf, p) + 1;
      for (const v of victims) {
        schedule.push({ type: 'crash', at: input.at, node: v });
        schedule.push({ type: 'restart', at: back, node: v, durable: false });
      }
      last = back;
      bound = rejoinBound(n, p);
      break;
    }
    case 'accuracy': {
      // A pause short enough for the refutation to spread before any suspicion timer ends.
      const maxPause = Math.max(1, (p.suspicionPeriods - dissemination(n, p) - 2) * p.probePeriod);
      const pause = 1 + (input.span % maxPause);
      schedule.push({ type: 'pause', from: input.at, until: input.at + pause, node: nodes[n - 1] });
      last = input.at + pause;
      bound = detectBound(n, 1, p);
      if (input.lossPercent > 0)
        schedule.push({
          type: 'link',
          from: 1,
          until: last + bound,
          fault: { kind: 'loss', probability: input.lossPercent / 100 },
        });
      last += bound;
      bound = 2 * p.pushPullPeriods * p.probePeriod;
      break;
    }
    case 'partition': {
      const half = Math.ceil(n / 2);
      const until = input.at + input.span;
      schedule.push({
        type: 'link',
        from: input.at,
        until,
        fault: { kind: 'partition', shape: 'halves', groups: [nodes.slice(0, half), nodes.slice(half)] },
      });
      last = until;
      bound = healBound(n, p);
      break;
    }
    case 'join':
      break;
  }
  return {
    seed: deriveSeed(input.seed, 'membership'),
    scenario: `membership/${kind}`,
    nodes,
    peers,
    seeds,
    params: minimalParameters(VARIANT, { membership: p }),
    rounds: Math.max(minRounds, last + bound + 5),
    hopLimit: 4,
    workload: [],
    schedule: [...schedule, ...membership],
    initialValues: {},
    callTimeoutMs,
  };
}

interface Spec {
  id: string;
  kind: Kind;
  info: CheckInfo;
  check: (v: ReturnType<typeof membershipView>, input: MembershipInput) => Verdict[];
  /** The faults the property is judged under: a run where all of them were inert judges nothing (checks/fault-evidence.ts). */
  faults?: readonly FaultKind[];
}

function membershipCase(s: Spec): CaseDef<MembershipInput> {
  return {
    id: s.id,
    requirement: s.info.requirement,
    level: s.info.level,
    source: s.info.source,
    variants: [VARIANT],
    checkIds: [s.info.id],
    unsupported: (caps) => (caps.membership ? null : 'membership not declared'),
    arbitrary: (_variant, gen) => arb(s.kind, gen.maxNodes),
    validate: inputProblem,
    async check(input, _variant, ctx) {
      const spec = {
        ...membershipSpec(s.kind, input, ctx.callTimeoutMs, ctx.minRounds),
        maxEnvelopesPerRound: ctx.maxEnvelopesPerRound ?? 0,
      };
      const events: HistoryEvent[] = [];
      await runLockstep(spec, [{ endpoint: ctx.endpoint, nodes: spec.nodes }], (e) => events.push(e));
      const checks = checkHistory(events, new Set(['run/completed']));
      if (!checks.some((c) => c.verdict === 'FAIL'))
        for (const c of s.check(membershipView(events), input))
          checks.push(s.faults ? requireFaultEffect(c, events, s.faults) : c);
      return { verdict: gradeRun(s.info.level, checks), checks, events };
    },
  };
}

export const MEMBERSHIP_CASES: CaseDef<MembershipInput>[] = [
  membershipCase({ id: JOIN.id, kind: 'join', info: JOIN, check: (v) => [checkJoin(v)] }),
  membershipCase({ id: LEAVE.id, kind: 'leave', info: LEAVE, check: (v) => [checkLeave(v)] }),
  membershipCase({
    id: DETECT_CRASH.id,
    kind: 'crash',
    info: DETECT_CRASH,
    check: (v) => [checkDetectCrash(v)],
    faults: MEMBERSHIP_FAULTS[DETECT_CRASH.id],
  }),
  membershipCase({
    id: ACCURACY.id,
    kind: 'accuracy',
    info: ACCURACY,
    check: (v, input) => [checkAccuracy(v), checkFalsePositives(v, input.lossPercent)],
    faults: MEMBERSHIP_FAULTS[ACCURACY.id],
  }),
  membershipCase({
    id: SUSPICION_RATE.id,
    kind: 'accuracy',
    info: SUSPICION_RATE,
    check: (v, input) => [checkSuspicionRate(v, input.lossPercent)],
    faults: MEMBERSHIP_FAULTS[SUSPICION_RATE.id],
  }),
  membershipCase({
    id: REFUTE.id,
    kind: 'accuracy',
    info: REFUTE,
    check: (v) => [checkRefute(v)],
    faults: MEMBERSHIP_FAULTS[REFUTE.id],
  }),
  membershipCase({
    id: PARTITION_HEAL.id,
    kind: 'partition',
    info: PARTITION_HEAL,
    check: (v) => [checkPartitionHeal(v)],
    faults: MEMBERSHIP_FAULTS[PARTITION_HEAL.id],
  }),
  membershipCase({
    id: REJOIN.id,
    kind: 'rejoin',
    info: REJOIN,
    check: (v) => [checkRejoin(v)],
    faults: MEMBERSHIP_FAULTS[REJOIN.id],
  }),
  membershipCase({
    id: PROBE_TRAFFIC.id,
    kind: 'crash',
    info: PROBE_TRAFFIC,
    check: (v) => [checkProbeTraffic(v)],
  }),
];

export { FALSE_POSITIVES };
