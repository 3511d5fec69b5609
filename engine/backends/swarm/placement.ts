// Which swarm node (host) runs which gossip node: round-robin over the hosts
// that can take tasks, in name order, so a run spreads evenly and the same
// swarm gives the same placement (the report shows it). Pinned by a placement
// constraint per node service, so a restart comes back on the same host.
import type { NodeId } from '../../../proto/contract.js';

export interface SwarmHost {
  /** The swarm node's hostname (what placement constraints name). */
  hostname: string;
  id: string;
  /** The address the harness reaches it at (its swarm address). */
  address: string;
  role: 'manager' | 'worker';
  /** Ready and Active: it takes tasks. */
  usable: boolean;
  /** Why it is not usable (Down, Drain, Pause), '' when it is. */
  why: string;
}

export type Placement = ReadonlyMap<NodeId, SwarmHost>;

export function placeNodes(nodes: readonly NodeId[], hosts: readonly SwarmHost[]): Placement {
  const usable = hosts.filter((h) => h.usable).sort((a, b) => (a.hostname < b.hostname ? -1 : 1));
  if (usable.length === 0)
    throw new Error('no swarm node takes tasks (every node is down, drained or paused)');
  return new Map(nodes.map((n, i) => [n, usable[i % usable.length]!]));
}

/** host -> its nodes, in node order, hosts in name order (for the report). */
export function byHost(placement: Placement): { host: string; nodes: NodeId[] }[] {
  const out = new Map<string, NodeId[]>();
  for (const [node, h] of placement) out.set(h.hostname, [...(out.get(h.hostname) ?? []), node]);
  return [...out].sort(([a], [b]) => (a < b ? -1 : 1)).map(([host, nodes]) => ({ host, nodes }));
}
