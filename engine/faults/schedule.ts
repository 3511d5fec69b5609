// A fault schedule is data (Jepsen's nemesis as a value): timed events,
// serializable, replayable and shrinkable. Times are in the driver's clock
// units: rounds in lockstep runs, ms since the workload started in realtime
// runs (a delay's latency and jitter too). The one vocabulary of faults: the
// suites' inputs, the chaos and Maelstrom schedules all produce these events,
// the nemesis (nemesis.ts) interprets them, label.ts names them. Names and
// parameters follow netem / Toxiproxy / Chaos Mesh and the history's events
// (crash, not kill; a pause ends with a resume; probabilities, not percents).
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

/** A link fault active over [from, until). */
export interface LinkFaultEvent {
  type: 'link';
  from: number;
  until: number;
  fault: LinkFault;
}

/** Crash at `at`: the node stops abruptly (Stop 'crash'); it is down until a restart. */
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

/** Pause over [from, until): the node is not ticked; envelopes to it wait; it resumes at `until`. */
export interface PauseEvent {
  type: 'pause';
  from: number;
  until: number;
  node: NodeId;
}

/**
 * `node` is not started with the others but Init'ed at `at` (through its
 * seeds, in its current generation); it is down before.
 */
export interface JoinEvent {
  type: 'join';
  at: number;
  node: NodeId;
}

/**
 * A clean Stop at `at`, a graceful leave; what the Stop returns is routed
 * like a Tick's envelopes. The node is down until a restart.
 */
export interface LeaveEvent {
  type: 'leave';
  at: number;
  node: NodeId;
}

export type ScheduleEvent = LinkFaultEvent | CrashEvent | RestartEvent | PauseEvent | JoinEvent | LeaveEvent;
export type FaultSchedule = ScheduleEvent[];

/** When an event starts: a window's `from`, an instant's `at`. */
export function startOf(e: ScheduleEvent): number {
  return e.type === 'link' || e.type === 'pause' ? e.from : e.at;
}

const isProbability = (p: unknown): boolean => typeof p === 'number' && p >= 0 && p <= 1;
const isCount = (x: unknown): boolean => Number.isInteger(x) && (x as number) >= 0;
const isNodeList = (x: unknown): boolean => Array.isArray(x) && x.every((n) => typeof n === 'string');

/** Why `how` is not a TamperHow (naming the field at `path`), or null. */
function tamperProblem(how: unknown, path: string): string | null {
  if (typeof how !== 'object' || how === null) return `${path} must be an object`;
  const h = how as Record<string, unknown>;
  switch (h.what) {
    case 'garbage':
      return Array.isArray(h.bytes) && h.bytes.every((b) => isCount(b) && b <= 255)
        ? null
        : `${path}.bytes must be a list of bytes`;
    case 'unknown-node':
      return typeof h.ghost === 'string' ? null : `${path}.ghost must be a node id`;
    case 'oversize':
      return isCount(h.size) ? null : `${path}.size must be a whole number >= 0`;
    default:
      return `${path}.what must be one of garbage, unknown-node, oversize`;
  }
}

/**
 * Why `x` (read from a file) is not a link fault other than a partition,
 * naming the field at `path`, or null: each kind's fields, checked once.
 */
export function linkFaultProblem(x: unknown, path: string): string | null {
  if (typeof x !== 'object' || x === null) return `${path} must be an object`;
  const f = x as Record<string, unknown>;
  if (f.edges !== undefined) {
    const e = f.edges as Record<string, unknown> | null;
    if (typeof e !== 'object' || e === null) return `${path}.edges must be an object`;
    if ((e.from !== undefined && !isNodeList(e.from)) || (e.to !== undefined && !isNodeList(e.to)))
      return `${path}.edges.from and .to must be lists of node ids`;
  }
  const probability = isProbability(f.probability) ? null : `${path}.probability must be a number in [0, 1]`;
  switch (f.kind) {
    case 'loss':
    case 'duplicate':
      return probability;
    case 'delay':
      if (!isCount(f.latency)) return `${path}.latency must be a whole number >= 0`;
      return isCount(f.jitter) ? null : `${path}.jitter must be a whole number >= 0`;
    case 'reorder':
      return null;
    case 'tamper':
      return tamperProblem(f.how, `${path}.how`) ?? probability;
    default:
      return `${path}.kind must be one of loss, delay, duplicate, reorder, tamper`;
  }
}

function selector(s: EdgeSelector | undefined): EdgeSelector | undefined {
  if (!s) return undefined;
  const out: EdgeSelector = {};
  if (s.from) out.from = s.from.slice();
  if (s.to) out.to = s.to.slice();
  return out;
}

function tamperHow(h: TamperHow): TamperHow {
  switch (h.what) {
    case 'garbage':
      return { what: h.what, bytes: h.bytes.slice() };
    case 'unknown-node':
      return { what: h.what, ghost: h.ghost };
    case 'oversize':
      return { what: h.what, size: h.size };
  }
}

/**
 * A link fault with its fields in canonical order (absent `edges` stays
 * absent): the form the history records (engine/history/recorder.ts), so
 * equal runs give equal bytes whatever order a producer built it in.
 */
export function canonicalFault(f: LinkFault): LinkFault {
  switch (f.kind) {
    case 'partition':
      return { kind: f.kind, shape: f.shape, groups: f.groups.map((g) => g.slice()) };
    case 'loss':
      return f.edges
        ? { kind: f.kind, probability: f.probability, edges: selector(f.edges) }
        : { kind: f.kind, probability: f.probability };
    case 'delay':
      return f.edges
        ? { kind: f.kind, latency: f.latency, jitter: f.jitter, edges: selector(f.edges) }
        : { kind: f.kind, latency: f.latency, jitter: f.jitter };
    case 'duplicate':
      return f.edges
        ? { kind: f.kind, probability: f.probability, edges: selector(f.edges) }
        : { kind: f.kind, probability: f.probability };
    case 'reorder':
      return f.edges ? { kind: f.kind, edges: selector(f.edges) } : { kind: f.kind };
    case 'tamper': {
      const how = tamperHow(f.how);
      return f.edges
        ? { kind: f.kind, how, probability: f.probability, edges: selector(f.edges) }
        : { kind: f.kind, how, probability: f.probability };
    }
  }
}
