// What a lockstep run is given: the spec (nodes, peers, parameters, rounds,
// workload, fault schedule) and where its nodes are placed, and the checks
// that they make sense (programmer errors, thrown before the run starts).
import type { GossipEndpoint, NodeId, NodeInit, Parameters } from '../../proto/contract.js';
import { deriveSeed } from '../../shared/prng.js';
import type { FaultSchedule } from '../faults/schedule.js';
import type { EventOf } from '../history/events.js';

export interface WorkloadOp {
  round: number;
  node: NodeId;
  key: string;
  value: string;
}

export interface LockstepSpec {
  seed: number;
  nodes: NodeId[];
  peers: Record<NodeId, NodeId[]>;
  /** Membership runs: each node's NodeInit.seeds (absent: none). */
  seeds?: Record<NodeId, NodeId[]>;
  params: Parameters;
  rounds: number;
  hopLimit: number;
  workload: WorkloadOp[];
  /**
   * Faults and membership events (join, leave), in rounds; within a round
   * window stops come first, then starts, in schedule order (engine/faults/nemesis.ts).
   */
  schedule: FaultSchedule;
  initialValues: Record<NodeId, number>;
  callTimeoutMs: number;
  /** A label for the run (e.g. "partition/halves"), copied to the 'run' event. */
  scenario?: string;
  /** Envelopes a round may carry before the run aborts; 0 or absent: `envelopeCap`. */
  maxEnvelopesPerRound?: number;
}

/**
 * The default cap on envelopes per round: a safety limit that keeps a
 * flooding IUT from exhausting the harness's memory, not a conformance bound.
 * Honest traffic is far below it: each node starts at most fanout (+1 for
 * hybrid's anti-entropy) exchanges a round, each exchange cascades at most
 * hopLimit + 1 messages, and a digest split by max_payload_bytes gives a
 * factor the 64 covers; direct mail adds n-1 per write.
 */
export function envelopeCap(n: number, fanout: number, hopLimit: number, writes: number): number {
  return 64 * n * (fanout + 2) * (hopLimit + 1) + (n - 1) * writes;
}

export interface Placement {
  endpoint: GossipEndpoint;
  nodes: NodeId[];
}

export interface RunOutcome {
  completed: boolean;
  reason?: string;
  /** Rounds fully run. */
  rounds: number;
}

/** Whether every node's peers are exactly all the other nodes (the 'run' event then lists no peers). */
export function fullMesh(spec: Pick<LockstepSpec, 'nodes' | 'peers'>): boolean {
  return spec.nodes.every((id) => {
    const peers = new Set(spec.peers[id] ?? []);
    return (
      peers.size === spec.nodes.length - 1 &&
      !peers.has(id) &&
      spec.nodes.every((p) => p === id || peers.has(p))
    );
  });
}

/** Throws when the spec or the placements are inconsistent. */
export function validateSpec(spec: LockstepSpec, placements: Placement[]): void {
  const known = new Set(spec.nodes);
  if (known.size !== spec.nodes.length) throw new Error('spec.nodes has duplicates');
  if (!Number.isInteger(spec.rounds) || spec.rounds < 0)
    throw new Error('spec.rounds must be an integer >= 0');
  if (!Number.isInteger(spec.hopLimit) || spec.hopLimit < 1)
    throw new Error('spec.hopLimit must be an integer >= 1');
  if (!(spec.callTimeoutMs > 0)) throw new Error('spec.callTimeoutMs must be > 0');
  const placed = new Set<NodeId>();
  const endpoints = new Set<GossipEndpoint>();
  for (const p of placements) {
    if (endpoints.has(p.endpoint)) throw new Error('an endpoint appears in two placements');
    endpoints.add(p.endpoint);
    for (const n of p.nodes) {
      if (!known.has(n)) throw new Error(`placement names unknown node ${n}`);
      if (placed.has(n)) throw new Error(`node ${n} is placed twice`);
      placed.add(n);
    }
  }
  for (const n of spec.nodes) if (!placed.has(n)) throw new Error(`node ${n} has no placement`);
  for (const op of spec.workload)
    if (!known.has(op.node)) throw new Error(`workload names unknown node ${op.node}`);
  for (const ev of spec.schedule) {
    if (ev.type !== 'link' && !known.has(ev.node)) throw new Error(`schedule names unknown node ${ev.node}`);
  }
}

/** The history's header of a lockstep run of `spec`. */
export function runEvent(spec: LockstepSpec): EventOf<'run'> {
  return {
    t: 'run',
    seed: spec.seed,
    mode: 'lockstep',
    nodes: spec.nodes.slice(),
    params: spec.params,
    rounds: spec.rounds,
    hopLimit: spec.hopLimit,
    values:
      Object.keys(spec.initialValues).length > 0 ? spec.nodes.map((n) => spec.initialValues[n] ?? 0) : [],
    ...(spec.scenario !== undefined ? { scenario: spec.scenario } : {}),
    ...(fullMesh(spec)
      ? {}
      : { peers: Object.fromEntries(spec.nodes.map((n) => [n, (spec.peers[n] ?? []).slice()])) }),
  };
}

/** A node's Init in `generation`: each generation (a restart) has its own seed. */
export function nodeInitOf(
  spec: LockstepSpec,
  id: NodeId,
  restoreDurable: boolean,
  generation: number,
): NodeInit {
  return {
    id,
    peers: (spec.peers[id] ?? []).slice(),
    seeds: (spec.seeds?.[id] ?? []).slice(),
    rngSeed: deriveSeed(spec.seed, generation ? `node:${id}#${generation}` : `node:${id}`),
    initialValue: spec.initialValues[id] ?? 0,
    restoreDurable,
    generation,
  };
}

/** The cap on envelopes in round r (--max-envelopes, or envelopeCap for its writes). */
export function roundCap(spec: LockstepSpec, r: number): number {
  return (
    spec.maxEnvelopesPerRound ||
    envelopeCap(
      spec.nodes.length,
      spec.params.fanout,
      spec.hopLimit,
      spec.workload.filter((w) => w.round === r).length,
    )
  );
}
