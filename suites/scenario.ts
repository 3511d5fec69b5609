// Turns a ScenarioInput (indices, JSON) into a LockstepSpec (node ids, a
// concrete fault schedule) and runs it. The run lasts past the last
// disturbance by the longest bound the checkers hold it to, plus a margin.

import { convergenceBound, pushSumBound, quiescenceBound } from '../checks/bounds.js';
import { PUSHSUM_EPSILON } from '../checks/pushsum.js';
import type { FaultSchedule, LinkFault } from '../engine/faults/schedule.js';
import { makePartition } from '../engine/faults/shapes.js';
import type { HistoryEvent } from '../engine/history/events.js';
import { type LockstepSpec, runLockstep, type WorkloadOp } from '../engine/runner/lockstep.js';
import {
  DEFAULT_MAX_PAYLOAD_BYTES,
  isSirVariant,
  type NodeId,
  nodeIds,
  type Parameters,
  type Variant,
} from '../proto/contract.js';
import { deriveSeed, Rng } from '../shared/prng.js';
import { materialize } from './generators/topology.js';
import type { CaseContext, ScenarioInput } from './model.js';

/** Push-sum initial values lie in [0, 100): the error to remove is below 100. */
export const PUSH_SUM_SPREAD = 100;
/** Rounds past the bound, so a late convergence is seen as late, not as "ran out". */
const MARGIN = 5;
/**
 * The most rounds a run lasts past its last activity: a cost cap, not a
 * bound. Worst-case bounds on sparse graphs (graphQuiescenceBound) reach
 * thousands of rounds at n = 64; a run capped short of a check's bound makes
 * that check say "run too short" (not judged), never pass or fail on it.
 */
export const SETTLE_CAP = 300;
/** Replies cascade this many hops within a round (push-pull needs 3). */
export const HOP_LIMIT = 4;

export function parametersOf(input: ScenarioInput, variant: Variant): Parameters {
  return {
    variant,
    fanout: input.fanout,
    periodMs: 0,
    lossOfInterest: input.lossOfInterest,
    rumorK: input.rumorK,
    antiEntropyEvery: input.antiEntropyEvery,
    maxPayloadBytes: input.maxPayloadBytes ?? DEFAULT_MAX_PAYLOAD_BYTES,
  };
}

/**
 * Each node's peers: the input's topology materialised from its seed
 * (suites/generators/topology.ts); the full mesh when it has none.
 */
export function peersOf(input: Pick<ScenarioInput, 'n' | 'topology' | 'seed'>): Record<NodeId, NodeId[]> {
  const nodes = nodeIds(input.n);
  const adj = materialize(input.topology, input.n, input.seed);
  return Object.fromEntries(nodes.map((id, i) => [id, adj[i].map((j) => nodes[j])]));
}

/** The most writes any one key gets (each is a rumor of its own for the graph quiescence bound). */
export function versionsPerKey(input: Pick<ScenarioInput, 'writes'>): number {
  const per = new Map<string, number>();
  for (const w of input.writes) per.set(w.key, (per.get(w.key) ?? 0) + 1);
  return Math.max(1, ...per.values());
}

/** Rounds a run needs after its last disturbance: the longest bound its checkers apply. */
export function settleRounds(
  params: Parameters,
  n: number,
  peers?: Record<NodeId, NodeId[]>,
  versions = 1,
): number {
  const { variant } = params;
  if (variant === 'push-sum') return pushSumBound(n, Math.log2(PUSH_SUM_SPREAD / PUSHSUM_EPSILON)).rounds;
  const converge = convergenceBound(variant, params, n, peers)?.rounds ?? 0;
  return Math.max(
    converge,
    isSirVariant(variant) ? quiescenceBound(variant, params, n, peers, versions).rounds : 0,
  );
}

function schedule(input: ScenarioInput, nodes: NodeId[]): FaultSchedule {
  const out: FaultSchedule = [];
  const link = (w: { from: number; until: number }, fault: LinkFault) =>
    out.push({ type: 'link', from: w.from, until: w.until, fault });
  const busy = new Set<NodeId>(); // one crash or pause per node keeps schedules meaningful
  for (const f of input.faults) {
    switch (f.type) {
      case 'partition':
        link(f, makePartition(f.shape, nodes, new Rng(f.pick)));
        break;
      case 'isolate': {
        const node = nodes[f.node % nodes.length];
        link(f, { kind: 'partition', shape: 'isolate', groups: [[node], nodes.filter((x) => x !== node)] });
        break;
      }
      case 'link':
        // A copy: the input stays as it was read, whatever the run does with its schedule.
        link(f, { ...f.fault });
        break;
      case 'crash': {
        const node = nodes[f.node % nodes.length];
        if (busy.has(node)) break;
        busy.add(node);
        out.push(
          { type: 'crash', at: f.at, node },
          { type: 'restart', at: f.restartAt, node, durable: f.durable },
        );
        break;
      }
      case 'pause': {
        const node = nodes[f.node % nodes.length];
        if (busy.has(node)) break;
        busy.add(node);
        out.push({ type: 'pause', from: f.from, until: f.until, node });
        break;
      }
    }
  }
  return out;
}

/** The last round anything is still happening: a write, a fault, a restart, a delayed envelope. */
export function lastActivity(input: ScenarioInput): number {
  let last = 1;
  for (const w of input.writes) last = Math.max(last, w.round);
  for (const f of input.faults) {
    if (f.type === 'crash') last = Math.max(last, f.restartAt);
    else if (f.type === 'link' && f.fault.kind === 'delay')
      last = Math.max(last, f.until + f.fault.latency + f.fault.jitter);
    else last = Math.max(last, f.until);
  }
  return last;
}

export function toSpec(
  input: ScenarioInput,
  variant: Variant,
  callTimeoutMs: number,
  label: string,
  minRounds = 0,
): LockstepSpec {
  const nodes = nodeIds(input.n);
  const params = parametersOf(input, variant);
  const peers = peersOf(input);
  const workload: WorkloadOp[] =
    variant === 'push-sum'
      ? []
      : input.writes.map((w) => ({
          round: w.round,
          node: nodes[w.node % nodes.length],
          key: w.key,
          value: w.value,
        }));
  const values = input.values.length ? input.values : [0];
  return {
    seed: deriveSeed(input.seed, 'scenario'),
    scenario: label,
    nodes,
    peers,
    params,
    rounds: Math.max(
      minRounds,
      lastActivity(input) +
        Math.min(SETTLE_CAP, settleRounds(params, input.n, peers, versionsPerKey(input))) +
        MARGIN,
    ),
    hopLimit: HOP_LIMIT,
    workload: workload.sort((a, b) => a.round - b.round),
    schedule: schedule(input, nodes),
    initialValues: Object.fromEntries(
      nodes.map((id, i) => [id, variant === 'push-sum' ? values[i % values.length] : 0]),
    ),
    callTimeoutMs,
  };
}

export async function runScenario(
  input: ScenarioInput,
  variant: Variant,
  ctx: CaseContext,
  label: string,
): Promise<HistoryEvent[]> {
  const spec = {
    ...toSpec(input, variant, ctx.callTimeoutMs, label, ctx.minRounds),
    maxEnvelopesPerRound: ctx.maxEnvelopesPerRound ?? 0,
  };
  const events: HistoryEvent[] = [];
  await runLockstep(spec, [{ endpoint: ctx.endpoint, nodes: spec.nodes }], (e) => events.push(e));
  return events;
}
