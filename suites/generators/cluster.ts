// Cluster arbitraries: size, peer graph, fanout, payload limit and variant
// parameters. Every integer shrinks toward its minimum, and the topology
// toward the full mesh, so counterexamples come out small.
import * as fc from 'fast-check';
import type { Capabilities, LossOfInterest } from '../../proto/contract.js';
import type { ClusterInput, TopologyInput } from '../model.js';
import { topologyArb } from './topology.js';

export interface ClusterLimits {
  minN: number;
  maxN: number;
  /** Draw sparse and structured peer graphs besides the full mesh (default: full mesh only). */
  topologies?: boolean;
}

/** Fanout across the contract's useful range; capped at n - 1 (and each node caps it at its own peer count). */
export const MAX_FANOUT = 5;
/** Rumor k across the range theory has values for (Demers et al. 1987 Table 1: k = 1..5). */
export const MAX_RUMOR_K = 5;
export const MAX_ANTI_ENTROPY_EVERY = 3;
/**
 * max_payload_bytes sent in Init: small enough that dozens of keys, long keys
 * and large values do not fit one envelope, so digests and entry batches must
 * split (reference/fit.ts); at least 512 so one write always fits.
 */
export const MIN_PAYLOAD = 512;
export const MAX_PAYLOAD = 4096;

export function clusterArb(caps: Capabilities, limits: ClusterLimits): fc.Arbitrary<ClusterInput> {
  const rules: LossOfInterest[] = caps.lossOfInterest.length ? caps.lossOfInterest : ['feedback-counter'];
  const topology: fc.Arbitrary<TopologyInput | undefined> = limits.topologies
    ? topologyArb()
    : fc.constant(undefined);
  return fc
    .record({
      n: fc.integer({ min: limits.minN, max: Math.max(limits.minN, limits.maxN) }),
      topology,
      fanout: fc.integer({ min: 1, max: MAX_FANOUT }),
      rumorK: fc.integer({ min: 1, max: MAX_RUMOR_K }),
      lossOfInterest: fc.constantFrom(...rules),
      antiEntropyEvery: fc.integer({ min: 1, max: MAX_ANTI_ENTROPY_EVERY }),
      seed: fc.integer({ min: 0, max: 0x7fffffff }),
      maxPayloadBytes: fc.integer({ min: MIN_PAYLOAD, max: MAX_PAYLOAD }),
    })
    .map(
      ({ topology, ...c }): ClusterInput => ({
        ...c,
        fanout: Math.max(1, Math.min(c.fanout, c.n - 1)),
        ...(topology ? { topology } : {}),
      }),
    );
}
