// Test-only lockstep driver for a ReferenceHost: a round ticks every node, then
// delivers what they sent, cascading replies up to `maxHops` deliveries.
// No faults: everything sent is delivered within the round.
import type { Envelope, GossipEndpoint, NodeId, NodeInit, Parameters, Write } from '../../proto/contract.js';
import { deriveSeed } from '../../shared/prng.js';

export interface RoundResult {
  /** Everything sent during the round, in send order (tick output first). */
  sent: Envelope[];
  /** Envelopes still pending when the hop limit was reached (dropped). */
  undelivered: Envelope[];
}

export async function deliverCascade(
  host: GossipEndpoint,
  first: Envelope[],
  maxHops: number,
  sent: Envelope[],
): Promise<Envelope[]> {
  let batch = first;
  for (let hop = 0; hop < maxHops && batch.length > 0; hop++) {
    batch = await host.deliver(batch);
    sent.push(...batch);
  }
  return batch;
}

export async function runRound(host: GossipEndpoint, nodes: NodeId[], maxHops = 4): Promise<RoundResult> {
  const ticked = await host.tick(nodes);
  const sent = ticked.slice();
  const undelivered = await deliverCascade(host, ticked, maxHops, sent);
  return { sent, undelivered };
}

/** Client writes, with the envelopes they cause delivered (direct mail). */
export async function write(host: GossipEndpoint, writes: Write[], maxHops = 4) {
  const result = await host.update(writes);
  const sent = result.envelopes.slice();
  const undelivered = await deliverCascade(host, result.envelopes, maxHops, sent);
  return { acks: result.acks, sent, undelivered };
}

/** The one id format: n0, n1, ... (proto/contract.ts). */
export { nodeIds } from '../../proto/contract.js';

/** Every node peers with every other; per-node seeds derived from `seed`. */
export function fullMesh(
  ids: readonly NodeId[],
  seed: number,
  initialValues?: readonly number[],
): NodeInit[] {
  return ids.map((id, i) => ({
    id,
    peers: ids.filter((p) => p !== id),
    seeds: [],
    rngSeed: deriveSeed(seed, id),
    initialValue: initialValues ? initialValues[i] : 0,
    restoreDurable: false,
  }));
}

export function params(overrides: Partial<Parameters> & Pick<Parameters, 'variant'>): Parameters {
  return {
    fanout: 1,
    periodMs: 0,
    lossOfInterest: 'feedback-counter',
    rumorK: 2,
    antiEntropyEvery: 4,
    maxPayloadBytes: 0,
    ...overrides,
  };
}
