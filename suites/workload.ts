// Client workloads as data: which node writes which key in which round.
// Drawn from the run's seed so a scenario replays exactly.

import type { WorkloadOp } from '../harness/runner/lockstep.js';
import type { NodeId } from '../proto/contract.js';
import type { Rng } from '../reference/prng.js';

export interface WorkloadShape {
  /** Writes spread over rounds [first, last]. */
  first: number;
  last: number;
  writes: number;
  keys: number;
}

/**
 * Random writes, plus one pair of concurrent writes to the same key at two
 * different nodes in the same round (the LWW tie-break case).
 */
export function randomWorkload(rng: Rng, nodes: NodeId[], shape: WorkloadShape): WorkloadOp[] {
  const ops: WorkloadOp[] = [];
  for (let i = 0; i < shape.writes; i++) {
    const round = shape.first + rng.int(shape.last - shape.first + 1);
    const node = nodes[rng.int(nodes.length)];
    ops.push({ round, node, key: `k${rng.int(shape.keys)}`, value: `v${i}@${node}` });
  }
  if (nodes.length >= 2) {
    const [a, b] = rng.sample(nodes, 2);
    ops.push({ round: shape.first, node: a, key: 'kc', value: `c1@${a}` });
    ops.push({ round: shape.first, node: b, key: 'kc', value: `c2@${b}` });
  }
  return ops.sort((x, y) => x.round - y.round);
}
