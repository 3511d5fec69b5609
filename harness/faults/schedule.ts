// A fault schedule is data (Jepsen's nemesis as a value): timed events over
// lockstep rounds, serializable, replayable and shrinkable. Names and
// parameters follow netem / Toxiproxy / Chaos Mesh.
import type { NodeId } from '../../proto/contract.js';

export type PartitionShape =
  | 'isolate' // one node cut from all others, both directions
  | 'halves' // two halves of (near) equal size
  | 'majority-minority' // a strict majority and the rest
  | 'ring' // nodes on a ring; each talks only to its two ring neighbours
  | 'bridge' // two halves that only one bridge node connects
  | 'one-way'; // `from` group cannot reach `to` group; the reverse works

/** A directed edge: envelopes from edge[0] to edge[1]. */
export type Edge = readonly [NodeId, NodeId];

/** Which directed edges a link fault applies to; absent = every edge. */
export interface EdgeSelector {
  from?: NodeId[];
  to?: NodeId[];
}

export type LinkFault =
  /** Concrete groups are resolved from the shape when the schedule is made. */
  | { kind: 'partition'; shape: PartitionShape; groups: NodeId[][] }
  /** netem `loss`: each envelope dropped with this probability. */
  | { kind: 'loss'; probability: number; edges?: EdgeSelector }
  /** netem `delay`: whole rounds, plus uniform jitter in [0, jitter]. */
  | { kind: 'delay'; latency: number; jitter: number; edges?: EdgeSelector }
  /** netem `duplicate`: each envelope delivered twice with this probability. */
  | { kind: 'duplicate'; probability: number; edges?: EdgeSelector }
  /** netem `reorder`: due batches delivered in a seeded shuffled order. */
  | { kind: 'reorder'; edges?: EdgeSelector };

/** A link fault active over rounds [from, until). */
export interface LinkFaultEvent {
  type: 'link';
  from: number;
  until: number;
  fault: LinkFault;
}

/** Crash at `at`: volatile state lost; `durable` keeps the store for restart. */
export interface CrashEvent {
  type: 'crash';
  at: number;
  node: NodeId;
}

/** Restart at `at`, restoring durable state when `durable` is true. */
export interface RestartEvent {
  type: 'restart';
  at: number;
  node: NodeId;
  durable: boolean;
}

/** Pause over [from, until): the node is not ticked; envelopes to it wait. */
export interface PauseEvent {
  type: 'pause';
  from: number;
  until: number;
  node: NodeId;
}

export type ScheduleEvent = LinkFaultEvent | CrashEvent | RestartEvent | PauseEvent;
export type FaultSchedule = ScheduleEvent[];
