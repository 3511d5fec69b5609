// Peer graphs: who each node may gossip with (NodeInit.peers). Besides the
// full mesh, sparse and structured graphs, so that topology-aware gossip is
// exercised and a node that ignores its peer list is caught. A topology is
// data in the input (`{ kind, param }`); the graph itself is materialised
// deterministically from it, the cluster size and the input's seed, and is
// always connected (checked; see `materialize`).
import * as fc from 'fast-check';
import { deriveSeed, Rng } from '../../shared/prng.js';
import type { TopologyInput, TopologyKind } from '../model.js';

export const TOPOLOGY_KINDS: readonly TopologyKind[] = [
  'full',
  'ring',
  'grid',
  'regular',
  'small-world',
  'star',
];

/** What `param` means for each kind, and its range. */
export const TOPOLOGY_PARAMS: Record<TopologyKind, { min: number; max: number; meaning: string }> = {
  full: { min: 0, max: 0, meaning: 'unused' },
  ring: { min: 1, max: 2, meaning: 'neighbours on each side' },
  grid: { min: 2, max: 4, meaning: 'columns (4-neighbour grid, rows filled in order)' },
  regular: { min: 3, max: 4, meaning: 'degree d (union of Hamiltonian cycles and a perfect matching)' },
  'small-world': {
    min: 5,
    max: 50,
    meaning: 'rewiring probability in percent (Watts-Strogatz, 2 neighbours a side)',
  },
  star: { min: 1, max: 3, meaning: 'seeds (hubs linked to every node)' },
};

/** Every kind, the full mesh first so shrinking goes toward it. */
export function topologyArb(kinds: readonly TopologyKind[] = TOPOLOGY_KINDS): fc.Arbitrary<TopologyInput> {
  return fc.oneof(
    ...kinds.map((kind) => {
      const { min, max } = TOPOLOGY_PARAMS[kind];
      return fc.integer({ min, max }).map((param): TopologyInput => ({ kind, param }));
    }),
  );
}

export const FULL_MESH: TopologyInput = { kind: 'full', param: 0 };

type Adjacency = Set<number>[];

const empty = (n: number): Adjacency => Array.from({ length: n }, () => new Set<number>());

function link(adj: Adjacency, a: number, b: number): void {
  if (a === b) return;
  adj[a].add(b);
  adj[b].add(a);
}

export function connected(adj: readonly ReadonlySet<number>[]): boolean {
  const n = adj.length;
  if (n <= 1) return true;
  const seen = new Set<number>([0]);
  const queue = [0];
  while (queue.length) {
    const u = queue.pop()!;
    for (const w of adj[u])
      if (!seen.has(w)) {
        seen.add(w);
        queue.push(w);
      }
  }
  return seen.size === n;
}

function full(n: number): Adjacency {
  const adj = empty(n);
  for (let a = 0; a < n; a++) for (let b = a + 1; b < n; b++) link(adj, a, b);
  return adj;
}

function ringLattice(n: number, side: number): Adjacency {
  const adj = empty(n);
  for (let i = 0; i < n; i++) for (let j = 1; j <= side; j++) link(adj, i, (i + j) % n);
  return adj;
}

function grid(n: number, cols: number): Adjacency {
  const adj = empty(n);
  for (let i = 0; i < n; i++) {
    if ((i % cols) + 1 < cols && i + 1 < n) link(adj, i, i + 1);
    if (i + cols < n) link(adj, i, i + cols);
  }
  return adj;
}

/**
 * A random d-regular graph as the union of floor(d/2) random Hamiltonian
 * cycles and, for odd d, a random perfect matching (n even; n odd takes one
 * more cycle). Unions of Hamiltonian cycles and matchings are contiguous to
 * uniform random regular graphs (Kim and Wormald 2001); a repeated edge is
 * kept once, so a few nodes may have a lower degree. Connected: it contains
 * a Hamiltonian cycle.
 */
function regular(n: number, d: number, rng: Rng): Adjacency {
  const adj = empty(n);
  const order = Array.from({ length: n }, (_, i) => i);
  const cycles = d % 2 === 0 || n % 2 === 1 ? Math.ceil(d / 2) : Math.floor(d / 2);
  for (let c = 0; c < cycles; c++) {
    rng.shuffle(order);
    for (let i = 0; i < n; i++) link(adj, order[i], order[(i + 1) % n]);
  }
  if (d % 2 === 1 && n % 2 === 0) {
    rng.shuffle(order);
    for (let i = 0; i + 1 < n; i += 2) link(adj, order[i], order[i + 1]);
  }
  return adj;
}

/**
 * Watts and Strogatz 1998: a ring lattice with 2 neighbours a side, each
 * lattice edge (i, i+j) rewired with probability beta to (i, w), w uniform
 * among the nodes not yet linked to i. A draw that disconnects the graph is
 * drawn again (the next draws of the same seeded stream); after 20 the
 * lattice itself is used.
 */
function smallWorld(n: number, percent: number, rng: Rng): Adjacency {
  const beta = percent / 100;
  for (let attempt = 0; attempt < 20; attempt++) {
    const adj = ringLattice(n, 2);
    for (let j = 1; j <= 2; j++)
      for (let i = 0; i < n; i++) {
        const b = (i + j) % n;
        if (!adj[i].has(b) || !rng.chance(beta)) continue;
        const free: number[] = [];
        for (let w = 0; w < n; w++) if (w !== i && !adj[i].has(w)) free.push(w);
        if (free.length === 0) continue;
        adj[i].delete(b);
        adj[b].delete(i);
        link(adj, i, free[rng.int(free.length)]);
      }
    if (connected(adj)) return adj;
  }
  return ringLattice(n, 2);
}

/** The first `seeds` nodes are hubs linked to every node; the others link only to the hubs. */
function star(n: number, seeds: number): Adjacency {
  const adj = empty(n);
  const s = Math.max(1, Math.min(seeds, n - 1));
  for (let h = 0; h < s; h++) for (let w = 0; w < n; w++) link(adj, h, w);
  return adj;
}

/**
 * The peer graph of a topology on n nodes, as sorted neighbour indices per
 * node. Deterministic in (topology, n, seed); always connected (a graph that
 * is not falls back to the full mesh, which never happens for the kinds
 * above: each contains a spanning path or cycle).
 */
export function materialize(topology: TopologyInput | undefined, n: number, seed: number): number[][] {
  const t = topology ?? FULL_MESH;
  const rng = new Rng(deriveSeed(seed, `topology/${t.kind}`));
  let adj: Adjacency;
  switch (t.kind) {
    case 'ring':
      adj = ringLattice(n, t.param);
      break;
    case 'grid':
      adj = grid(n, Math.max(1, t.param));
      break;
    case 'regular':
      adj = regular(n, t.param, rng);
      break;
    case 'small-world':
      adj = smallWorld(n, t.param, rng);
      break;
    case 'star':
      adj = star(n, t.param);
      break;
    default:
      adj = full(n);
  }
  if (!connected(adj)) adj = full(n);
  return adj.map((s) => [...s].sort((a, b) => a - b));
}

/** Whether every node's peers are all the other nodes. */
export function isFullMesh(adj: readonly (readonly number[])[]): boolean {
  return adj.every((peers) => peers.length === adj.length - 1);
}
