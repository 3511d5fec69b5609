// The `topology` message Maelstrom's broadcast workload sends after `init`:
// a map of node id -> neighbour ids. Computed exactly as Maelstrom does
// (maelstrom/workload/broadcast.clj: grid-topology, line-topology,
// tree-topology with branch factor 2, total-topology), including neighbour
// order, so a node that relies on the order sees the same lists.
import type { NodeId } from '../../proto/contract.js';

export const TOPOLOGIES = ['grid', 'line', 'tree', 'total'] as const;
export type TopologyName = (typeof TOPOLOGIES)[number];
export type Topology = Record<NodeId, NodeId[]>;

/** A roughly square grid, side ceil(sqrt n), row-major; neighbours (i+1,j), (i-1,j), (i,j+1), (i,j-1). */
export function gridTopology(nodes: readonly NodeId[]): Topology {
  const n = nodes.length;
  const side = Math.ceil(Math.sqrt(n));
  const at = (i: number, j: number): NodeId | null => {
    if (i < 0 || j < 0 || j >= side) return null;
    const idx = i * side + j;
    return idx < n ? nodes[idx] : null;
  };
  const topo: Topology = {};
  for (let i = 0; i < side; i++) {
    for (let j = 0; j < side; j++) {
      const me = at(i, j);
      if (me === null) continue;
      topo[me] = [at(i + 1, j), at(i - 1, j), at(i, j + 1), at(i, j - 1)].filter(
        (x): x is NodeId => x !== null,
      );
    }
  }
  return topo;
}

/** A single line: first and last have one neighbour, the rest [left, right]. */
export function lineTopology(nodes: readonly NodeId[]): Topology {
  const n = nodes.length;
  if (n < 2) return {};
  const topo: Topology = {};
  topo[nodes[0]] = [nodes[1]];
  for (let i = 1; i < n - 1; i++) topo[nodes[i]] = [nodes[i - 1], nodes[i + 1]];
  topo[nodes[n - 1]] = [nodes[n - 2]];
  return topo;
}

/**
 * A tree with branch factor `b` filled tier by tier (1, b, b^2, ... nodes, in
 * node order); each tier's children are chunked b at a time onto the parents
 * of the tier above, in order. Neighbours: [parent, ...children].
 */
export function treeTopology(nodes: readonly NodeId[], b = 2): Topology {
  const tiers: NodeId[][] = [];
  let rest = nodes.slice();
  for (let size = 1; rest.length > 0; size *= b) {
    tiers.push(rest.slice(0, size));
    rest = rest.slice(size);
  }
  const topo: Topology = {};
  for (const node of nodes) topo[node] = [];
  for (let t = 1; t < tiers.length; t++) {
    const parents = tiers[t - 1];
    tiers[t].forEach((child, k) => {
      const parent = parents[Math.floor(k / b)];
      topo[child].push(parent);
    });
  }
  // Children after the parent, in order: neighbours are [parent, ...children].
  for (let t = 1; t < tiers.length; t++) {
    const parents = tiers[t - 1];
    tiers[t].forEach((child, k) => {
      topo[parents[Math.floor(k / b)]].push(child);
    });
  }
  return topo;
}

/** Every node is every other node's neighbour. */
export function totalTopology(nodes: readonly NodeId[]): Topology {
  const topo: Topology = {};
  for (const node of nodes) topo[node] = nodes.filter((x) => x !== node);
  return topo;
}

export function topologyFor(name: TopologyName, nodes: readonly NodeId[]): Topology {
  switch (name) {
    case 'grid':
      return gridTopology(nodes);
    case 'line':
      return lineTopology(nodes);
    case 'tree':
      return treeTopology(nodes, 2);
    case 'total':
      return totalTopology(nodes);
  }
}
