// Partition shapes resolved to concrete groups, and the exact directed edges a
// link fault cuts. Which node lands in which group is a seeded choice; the
// encoding of each shape in `groups` is documented on `PartitionShape` in
// schedule.ts and summarised here:
//
//   isolate            [[lonely], [rest...]]       cross-group edges cut, both ways
//   halves             [[a...], [b...]]            cross-group edges cut, both ways
//   majority-minority  [[majority...], [minority...]]  cross-group edges cut, both ways
//   ring               [[n0, n1, ..., nk]]         ring order; only ring neighbours talk
//   bridge             [[a...], [b...], [bridge]]  a <-> b cut; the bridge talks to both
//   one-way            [[from...], [to...]]        from -> to cut; to -> from works
//
// Nodes that appear in no group are untouched by the partition (they talk to
// everyone), so a fault resolved for n nodes stays meaningful if more join.
import type { NodeId } from '../../proto/contract.js';
import type { Rng } from '../../shared/prng.js';
import type { EdgeSelector, LinkFault, PartitionShape } from './schedule.js';

export type PartitionFault = Extract<LinkFault, { kind: 'partition' }>;

/** Keeps `subset` in the order of `nodes` (groups read better in node order). */
function inNodeOrder(nodes: readonly NodeId[], subset: readonly NodeId[]): NodeId[] {
  const chosen = new Set(subset);
  return nodes.filter((n) => chosen.has(n));
}

/**
 * Resolves `shape` to concrete groups over `nodes` (see the table above).
 * Membership is drawn from `rng`; members of each group are listed in node
 * order, except for `ring`, whose single group is the (seeded) ring order.
 */
export function resolveShape(shape: PartitionShape, nodes: readonly NodeId[], rng: Rng): NodeId[][] {
  const n = nodes.length;
  const shuffled = nodes.slice();
  rng.shuffle(shuffled);
  const split = (k: number): NodeId[][] => [
    inNodeOrder(nodes, shuffled.slice(0, k)),
    inNodeOrder(nodes, shuffled.slice(k)),
  ];
  switch (shape) {
    case 'isolate':
      return split(Math.min(1, n));
    case 'halves':
      return split(Math.ceil(n / 2));
    case 'majority-minority':
      // Jepsen's majority: floor(n/2) + 1 (for n = 1 the minority is empty).
      return split(Math.min(n, Math.floor(n / 2) + 1));
    case 'ring':
      return [shuffled];
    case 'bridge': {
      if (n === 0) return [[], [], []];
      const bridge = shuffled[0];
      const rest = shuffled.slice(1);
      const k = Math.ceil(rest.length / 2);
      return [inNodeOrder(nodes, rest.slice(0, k)), inNodeOrder(nodes, rest.slice(k)), [bridge]];
    }
    case 'one-way':
      return split(Math.ceil(n / 2));
  }
}

/** A partition link fault with seeded groups for `shape` over `nodes`. */
export function makePartition(shape: PartitionShape, nodes: readonly NodeId[], rng: Rng): PartitionFault {
  return { kind: 'partition', shape, groups: resolveShape(shape, nodes, rng) };
}

/** Whether `(from, to)` is one of the edges `sel` picks (absent = every edge). */
export function edgeSelected(sel: EdgeSelector | undefined, from: NodeId, to: NodeId): boolean {
  if (!sel) return true;
  if (sel.from && !sel.from.includes(from)) return false;
  if (sel.to && !sel.to.includes(to)) return false;
  return true;
}

/**
 * A partition as numbers: each node it names gets a key (its group, or its
 * place on the ring) and `cuts` says whether an edge between two keys is cut;
 * an edge from or to a node it does not name never is.
 */
function partitionKeys(fault: PartitionFault): {
  keyOf: Map<NodeId, number>;
  cuts: (a: number, b: number) => boolean;
} {
  const groups = fault.groups;
  if (fault.shape === 'ring') {
    const ring = groups[0] ?? [];
    const len = ring.length;
    return {
      keyOf: new Map<NodeId, number>(ring.map((node, i) => [node, i])),
      cuts: (a, b) => {
        if (a === b) return false;
        const d = Math.abs(a - b);
        return !(d === 1 || d === len - 1);
      },
    };
  }
  const keyOf = new Map<NodeId, number>();
  groups.forEach((g, i) => {
    for (const node of g) keyOf.set(node, i);
  });
  // one-way: groups[0] cannot reach groups[1]. bridge: groups[0] and groups[1] are cut from each
  // other; groups[2] (the bridge) talks to both. isolate, halves, majority-minority (and any
  // number of groups): cross-group edges.
  if (fault.shape === 'one-way') return { keyOf, cuts: (a, b) => a === 0 && b === 1 };
  if (fault.shape === 'bridge')
    return { keyOf, cuts: (a, b) => (a === 0 && b === 1) || (a === 1 && b === 0) };
  return { keyOf, cuts: (a, b) => a !== b };
}

/** A predicate `(from, to) => true` when the partition cuts that directed edge. */
export function partitionPredicate(fault: PartitionFault): (from: NodeId, to: NodeId) => boolean {
  const { keyOf, cuts } = partitionKeys(fault);
  return (from, to) => {
    const a = keyOf.get(from);
    const b = keyOf.get(to);
    return a !== undefined && b !== undefined && cuts(a, b);
  };
}

/**
 * The directed edges a link fault cuts among `nodes`: for a partition, every
 * (from, to) it blocks, sorted by the position of `from` then of `to` in
 * `nodes`; for every other fault kind, [] (they do not cut edges).
 */
export function cutEdges(fault: LinkFault, nodes: readonly NodeId[]): [NodeId, NodeId][] {
  if (fault.kind !== 'partition') return [];
  // partitionPredicate, with each node's key looked up once. Only grouped nodes are cut, and only
  // from nodes of another group (ring: of its own), so each `from` is tested against those alone,
  // in node order: the same edges in the same order, without n² tests when one group is small.
  const { keyOf, cuts } = partitionKeys(fault);
  const groupOf = new Map<NodeId, number>();
  fault.groups.forEach((g, i) => {
    for (const node of g) groupOf.set(node, i);
  });
  const byGroup: NodeId[][] = fault.groups.map(() => []);
  for (const node of nodes) {
    const g = groupOf.get(node);
    if (g !== undefined) byGroup[g].push(node);
  }
  const grouped = byGroup.length === 1 ? byGroup[0] : nodes.filter((node) => groupOf.has(node));
  const edges: [NodeId, NodeId][] = [];
  for (const from of nodes) {
    const g = groupOf.get(from);
    const a = keyOf.get(from);
    if (g === undefined || a === undefined) continue;
    const candidates = fault.shape === 'ring' || byGroup.length !== 2 ? grouped : byGroup[1 - g];
    for (const to of candidates) {
      const k = keyOf.get(to);
      if (from !== to && k !== undefined && cuts(a, k)) edges.push([from, to]);
    }
  }
  return edges;
}
