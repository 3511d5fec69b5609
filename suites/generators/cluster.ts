// Cluster arbitraries: size, fanout and variant parameters. Every integer
// shrinks toward its minimum, so counterexamples come out small.
import * as fc from 'fast-check';
import type { Capabilities, LossOfInterest } from '../../proto/contract.js';
import type { ClusterInput } from '../model.js';

export interface ClusterLimits {
  minN: number;
  maxN: number;
}

export function clusterArb(caps: Capabilities, limits: ClusterLimits): fc.Arbitrary<ClusterInput> {
  const rules: LossOfInterest[] = caps.lossOfInterest.length ? caps.lossOfInterest : ['feedback-counter'];
  return fc.record({
    n: fc.integer({ min: limits.minN, max: Math.max(limits.minN, limits.maxN) }),
    fanout: fc.integer({ min: 1, max: 3 }),
    rumorK: fc.integer({ min: 1, max: 4 }),
    lossOfInterest: fc.constantFrom(...rules),
    antiEntropyEvery: fc.integer({ min: 1, max: 3 }),
    seed: fc.integer({ min: 0, max: 0x7fffffff }),
  });
}
