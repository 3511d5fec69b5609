// scale/…: the convergence property at n = 10,000 nodes, under a partition,
// message loss and a crash (issue 24). A full mesh would put 10^8 peer ids
// in Init, so the peers are a star: one hub peered with every node, each
// other node peered with the hub alone. With fanout 1 every node exchanges
// with the hub each round, so every step of the graph bound (checks/bounds.ts,
// graphSpread: push-pull, q = 1 on each edge) succeeds surely and the bound
// is the diameter, 2, + 3 rounds; a run lasts about 20 rounds and carries
// about n envelopes a round. Opt-in (`--suite scale`, suites/registry.ts):
// one run takes seconds, where the other cases take milliseconds.
import * as fc from 'fast-check';
import {
  IDENTICAL_STATE,
  MONOTONIC_VERSIONS,
  NO_LOST_UPDATE,
  WITHIN_BOUND,
} from '../../checks/convergence.js';
import { lossArb } from '../generators/faults.js';
import { writesArb } from '../generators/workload.js';
import { scenarioInputProblemUpTo } from '../input-schema.js';
import type { CaseDef, ClusterInput, FaultInput, ScenarioInput, WriteInput } from '../model.js';
import { scenarioCase } from './scenario-case.js';

export const SCALE_N = 10_000;

const cluster: fc.Arbitrary<ClusterInput> = fc.integer({ min: 0, max: 0x7fffffff }).map((seed) => ({
  n: SCALE_N,
  topology: { kind: 'star', param: 1 },
  fanout: 1,
  rumorK: 1,
  lossOfInterest: 'feedback-counter',
  antiEntropyEvery: 1,
  seed,
}));

/**
 * One node (never the hub, n0) cut off from all others (a partition of shape
 * isolate: the history lists its 2·(n-1) cut edges, where halves would list
 * n²/2, 5·10^7 here); it takes a write, crashes and restarts with its disk
 * while still cut, so the write survives only there until the heal (as in
 * convergence/crash-restart/durable). Loss on every edge over a window of its
 * own, and writes elsewhere meanwhile.
 */
export const scalePlanArb = fc
  .record({
    node: fc.integer({ min: 1, max: SCALE_N - 1 }),
    from: fc.integer({ min: 1, max: 4 }),
    down: fc.integer({ min: 1, max: 4 }),
    loss: lossArb(30),
    others: writesArb(6, 4),
  })
  .map(({ node, from, down, loss, others }) => {
    const restartAt = from + 1 + down;
    const faults: FaultInput[] = [
      { type: 'isolate', node, from, until: restartAt + 1 },
      { type: 'crash', node, at: from + 1, restartAt, durable: true },
      loss,
    ];
    const writes: WriteInput[] = [...others, { round: from, node, key: 'cut', value: 'while-isolated' }];
    return { faults, writes };
  });

export const SCALE_CASES: CaseDef<ScenarioInput>[] = [
  scenarioCase({
    id: 'scale/convergence/n10000',
    requirement: `At n = ${SCALE_N} nodes (peers: a star around one hub), with one node partitioned off while it takes a write, crashes and restarts with its disk, and with message loss up to 30%: within B(graph) rounds of the last heal, restart or write, every live node holds identical entries; no acknowledged update is lost; no version ever goes backwards at a node.`,
    level: 'MUST',
    source:
      'graph bound of checks/bounds.ts (path argument of Feige, Peleg, Raghavan, Upfal 1990; on this star every step succeeds surely, so B = diameter 2 + 3); durability: the declared durable_restart capability',
    variants: ['anti-entropy-push-pull'],
    checks: [IDENTICAL_STATE, NO_LOST_UPDATE, MONOTONIC_VERSIONS, WITHIN_BOUND],
    unsupported: (caps) => (caps.durableRestart ? null : 'durable_restart not declared'),
    cluster,
    plan: () => scalePlanArb,
    // Activity at the start: a late start would add up to 50 rounds of 10,000 nodes.
    late: false,
    // A run takes seconds: a failure shrinks within a minute or two, not 200 runs.
    shrinkBudget: 10,
    validate: scenarioInputProblemUpTo(SCALE_N),
  }),
];
