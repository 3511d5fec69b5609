// The lockstep scenarios `gossipcheck run` checks every declared variant in:
// each is data (workload + fault schedule + length) drawn from the run seed.

import { convergenceBound, pushSumBound, quiescenceBound } from '../harness/checkers/bounds.js';
import type { FaultSchedule, PartitionShape } from '../harness/faults/schedule.js';
import { makePartition } from '../harness/faults/shapes.js';
import type { WorkloadOp } from '../harness/runner/lockstep.js';
import type { NodeId, Parameters, Variant } from '../proto/contract.js';
import { deriveSeed, Rng } from '../reference/prng.js';
import { randomWorkload } from './workload.js';

export interface ScenarioPlan {
  /** Stable id, e.g. "partition/halves". */
  id: string;
  seed: number;
  workload: WorkloadOp[];
  schedule: FaultSchedule;
  rounds: number;
}

const ANTI_ENTROPY: readonly Variant[] = [
  'anti-entropy-push',
  'anti-entropy-pull',
  'anti-entropy-push-pull',
  'hybrid',
];
export const PARTITION_SHAPES: readonly PartitionShape[] = [
  'isolate',
  'halves',
  'majority-minority',
  'ring',
  'bridge',
  'one-way',
];

/** Push-sum initial values lie in [0, 100): the error to remove is below 100. */
export const PUSH_SUM_SPREAD = 100;
export const PUSH_SUM_EPSILON = 1e-6;

/** Rounds a run needs after its last disturbance: the longest bound its checkers hold it to. */
export function settleRounds(params: Parameters, n: number): number {
  const { variant } = params;
  if (variant === 'push-sum') return pushSumBound(n, Math.log2(PUSH_SUM_SPREAD / PUSH_SUM_EPSILON)).rounds;
  const converge = convergenceBound(variant, params, n)?.rounds ?? 0;
  const quiesce =
    variant.startsWith('rumor') || variant === 'hybrid' ? quiescenceBound(variant, params, n).rounds : 0;
  return Math.max(converge, quiesce);
}

/** Writes happen early; the run lasts past the last disturbance by the checker's own bound plus a margin. */
const MARGIN = 5;

export function scenariosFor(
  variant: Variant,
  nodes: NodeId[],
  params: Parameters,
  seed: number,
): ScenarioPlan[] {
  const n = nodes.length;
  const settle = settleRounds(params, n) + MARGIN;
  const plans: ScenarioPlan[] = [];
  const plan = (id: string, build: (rng: Rng) => Omit<ScenarioPlan, 'id' | 'seed'>) => {
    const s = deriveSeed(seed, `${variant}/${id}`);
    plans.push({ id, seed: s, ...build(new Rng(s)) });
  };

  const keys = Math.max(2, Math.ceil(n / 4));
  plan('no-faults', (rng) => ({
    // Push-sum replicates no key/value store: its input is the initial values.
    workload:
      variant === 'push-sum'
        ? []
        : randomWorkload(rng, nodes, { first: 1, last: 3, writes: Math.max(3, n / 2), keys }),
    schedule: [],
    rounds: 3 + settle,
  }));
  if (!ANTI_ENTROPY.includes(variant) || n < 3) return plans;

  // Partitions: writes on both sides while cut, then heal; convergence is
  // measured from the heal.
  for (const shape of PARTITION_SHAPES) {
    plan(`partition/${shape}`, (rng) => ({
      workload: randomWorkload(rng, nodes, { first: 1, last: 7, writes: Math.max(4, n / 2), keys }),
      schedule: [{ type: 'link', from: 2, until: 9, fault: makePartition(shape, nodes, rng) }],
      rounds: 9 + settle,
    }));
  }
  // Crash and restart, with and without durable state.
  for (const durable of [true, false]) {
    plan(`crash-restart/${durable ? 'durable' : 'volatile'}`, (rng) => {
      const [victim] = rng.sample(nodes, 1);
      const writers = nodes.filter((x) => x !== victim);
      return {
        workload: randomWorkload(rng, writers, { first: 1, last: 5, writes: Math.max(4, n / 2), keys }),
        schedule: [
          { type: 'crash', at: 3, node: victim },
          { type: 'restart', at: 6, node: victim, durable },
        ],
        rounds: 6 + settle,
      };
    });
  }
  return plans;
}
