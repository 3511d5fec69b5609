// What a realtime run is given (RealtimeSpec), what it gives back
// (RealtimeOutcome), and its history's header.
import type { NodeId, NodeInit, Parameters } from '../../proto/contract.js';
import { deriveSeed } from '../../shared/prng.js';
import type { FaultSchedule } from '../faults/schedule.js';
import type { EventOf, MaelstromSettings } from '../history/events.js';
import type { NetworkFigures } from './network.js';
import type { TransportKind } from './schedule.js';

export interface RealtimeSpec {
  seed: number;
  nodes: NodeId[];
  peers: Record<NodeId, NodeId[]>;
  params: Parameters;
  transport: TransportKind;
  durationMs: number;
  settleMs: number;
  /**
   * The least the settle phase lasts, ms after the heal, even once every node
   * holds the same state: what a check needs to watch (a rumor variant's
   * traffic stopping within its bound, checks/realtime-sir.ts
   * sirObservationMs). Absent: settle ends at convergence.
   */
  observeMs?: number;
  schedule: FaultSchedule;
  writeEveryMs: number;
  /** Writes stop after this many (generated runs: the workload's size); absent, they go on to the heal. */
  writeLimit?: number;
  readEveryMs: number;
  keys: number;
  callTimeoutMs: number;
  startupTimeoutMs: number;
  scenario?: string;
  /**
   * The workload, when not the periodic one above: Maelstrom's broadcast
   * workload (docs/maelstrom.md). `rate` client operations per second, each
   * at a random node with no operation outstanding (not killed), 50/50 a
   * write of a fresh key or a read; every read of the workload is recorded,
   * as the client operation it is. The settle phase reads every node every
   * `readEveryMs`, as in periodic runs.
   */
  clientOps?: { rate: number };
  /** A delay every envelope takes, ms (Maelstrom's --latency; WallClockNetwork baseLatencyMs). */
  baseLatencyMs?: number;
  /** The header's record of a Maelstrom run's settings. */
  maelstrom?: MaelstromSettings;
}

export interface RealtimeOutcome {
  completed: boolean;
  reason?: string;
  converged: boolean;
  /** ms from the heal until every node held the same state (undefined: never). */
  convergedAfterHealMs?: number;
  elapsedMs: number;
  /** The harness transport's counts and its own delays (absent with the direct transport). */
  network?: NetworkFigures;
}

/** The history's header of a realtime run of `spec` (`rounds`: its planned length in ms). */
export function runEvent(spec: RealtimeSpec): EventOf<'run'> {
  return {
    t: 'run',
    seed: spec.seed,
    mode: 'realtime',
    nodes: spec.nodes.slice(),
    params: spec.params,
    rounds: spec.durationMs,
    hopLimit: 0,
    values: [],
    ...(spec.scenario !== undefined ? { scenario: spec.scenario } : {}),
    ...(spec.maelstrom ? { maelstrom: spec.maelstrom } : {}),
  };
}

/** A node's Init in `generation` (its seed is the same in every generation). */
export function nodeInitOf(
  spec: RealtimeSpec,
  id: NodeId,
  restoreDurable: boolean,
  generation: number,
): NodeInit {
  return {
    id,
    peers: (spec.peers[id] ?? []).slice(),
    seeds: [],
    rngSeed: deriveSeed(spec.seed, `node:${id}`),
    initialValue: 0,
    restoreDurable,
    generation,
  };
}

/** Every node's peers in a full mesh: all the others (realtime runs, chaos and generated alike). */
export const fullMeshPeers = (nodes: readonly NodeId[]): Record<NodeId, NodeId[]> =>
  Object.fromEntries(nodes.map((n) => [n, nodes.filter((m) => m !== n)]));
