// A fault schedule is data (Jepsen's nemesis as a value): timed events over
// lockstep rounds, serializable, replayable and shrinkable. Names and
// parameters follow netem / Toxiproxy / Chaos Mesh.
import type { NodeId } from '../../proto/contract.js';

/**
 * How each shape is encoded in a partition's `groups` (resolved with a seeded
 * Rng by `resolveShape` in shapes.ts; nodes in no group are not affected):
 * - isolate: `[[lonely], [rest...]]`; every edge between the groups is cut, both ways.
 * - halves: `[[a...], [b...]]` (sizes ceil(n/2), floor(n/2)); cut both ways.
 * - majority-minority: `[[majority...], [minority...]]` (floor(n/2)+1 and the rest); cut both ways.
 * - ring: `[[n0, n1, ..., nk]]`, one group in ring order; each node talks only to
 *   its two ring neighbours (n0 and nk are neighbours); every other edge is cut.
 * - bridge: `[[a...], [b...], [bridge]]`; a <-> b cut both ways, the bridge node(s)
 *   in groups[2] talk to everyone.
 * - one-way: `[[from...], [to...]]`; groups[0] -> groups[1] cut, groups[1] -> groups[0] works.
 */
export type PartitionShape =
  | 'isolate' // one node cut from all others, both directions
  | 'halves' // two halves of (near) equal size
  | 'majority-minority' // a strict majority and the rest
  | 'ring' // nodes on a ring; each talks only to its two ring neighbours
  | 'bridge' // two halves that only one bridge node connects
  | 'one-way'; // groups[0] cannot reach groups[1]; the reverse works

export const PARTITION_SHAPES: readonly PartitionShape[] = [
  'isolate',
  'halves',
  'majority-minority',
  'ring',
  'bridge',
  'one-way',
];

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
  | { kind: 'reorder'; edges?: EdgeSelector }
  /**
   * netem `corrupt`, and its kin: with this probability an envelope travels
   * with a damaged copy beside it, in the same Deliver batch (see TamperHow).
   */
  | { kind: 'tamper'; how: TamperHow; probability: number; edges?: EdgeSelector };

/**
 * How a tampered copy differs from its original:
 * - garbage: the payload is `GARBAGE_PREFIX` followed by `bytes` (never a valid message);
 * - unknown-node: addressed to `ghost`, a node of no run (still handed to the original's endpoint);
 * - oversize: the payload is `size` bytes of 0x20, past the run's max_payload_bytes.
 */
export type TamperHow =
  | { what: 'garbage'; bytes: number[] }
  | { what: 'unknown-node'; ghost: NodeId }
  | { what: 'oversize'; size: number };

/** No protobuf tag has wire type 7 and no JSON starts with 0xff. */
export const GARBAGE_PREFIX: readonly number[] = [0xff, 0xff, 0xff, 0xff];

/** A link fault in a few words, for evidence and progress lines (the unit of a delay is the run's). */
export function faultLabel(f: LinkFault): string {
  switch (f.kind) {
    case 'partition':
      return `partition(${f.shape})`;
    case 'loss':
    case 'duplicate':
      return `${f.kind} ${f.probability}`;
    case 'delay':
      return `delay ${f.latency}+${f.jitter}`;
    case 'reorder':
      return 'reorder';
    case 'tamper':
      return `tamper(${f.how.what}) ${f.probability}`;
  }
}

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

/**
 * Membership runs: `node` is not started with the others but Init'ed at `at`
 * (generation 0, through its seeds); it is down before.
 */
export interface JoinEvent {
  type: 'join';
  at: number;
  node: NodeId;
}

/**
 * Membership runs: a clean Stop at `at`, a graceful leave; what the Stop
 * returns is routed like a Tick's envelopes. The node is down until a restart.
 */
export interface LeaveEvent {
  type: 'leave';
  at: number;
  node: NodeId;
}

/** Membership events of a lockstep run (LockstepSpec.membership), apart from the fault schedule. */
export type MembershipEvent = JoinEvent | LeaveEvent;

export type ScheduleEvent = LinkFaultEvent | CrashEvent | RestartEvent | PauseEvent;
export type FaultSchedule = ScheduleEvent[];
