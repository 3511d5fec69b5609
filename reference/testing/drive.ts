// Test-only lockstep driver for a ReferenceHost: a round ticks every node, then
// delivers what they sent, cascading replies up to `maxHops` deliveries.
// No faults: everything sent is delivered within the round.
import type { Envelope, GossipEndpoint, NodeId, NodeInit, Parameters, Write } from '../../proto/contract.js';
import { cascade } from '../../proto/round.js';
import { deriveSeed } from '../../shared/prng.js';

export interface RoundResult {
  /** Everything sent during the round, in send order (tick output first). */
  sent: Envelope[];
  /** Envelopes still pending when the hop limit was reached (dropped). */
  undelivered: Envelope[];
}

/** The product's reply cascade (proto/round.ts) without a live filter; a failed Deliver throws. */
async function deliverAll(host: GossipEndpoint, first: Envelope[], maxHops: number, sent: Envelope[]) {
  const c = await cascade(host, first, maxHops);
  for (const h of c.hops) {
    if (h.error) throw h.error;
    sent.push(...h.envelopes);
  }
  return c.left;
}

export async function runRound(host: GossipEndpoint, nodes: NodeId[], maxHops = 4): Promise<RoundResult> {
  const ticked = await host.tick(nodes);
  const sent = ticked.slice();
  const undelivered = await deliverAll(host, ticked, maxHops, sent);
  return { sent, undelivered };
}

/** Client writes, with the envelopes they cause delivered (direct mail). */
export async function write(host: GossipEndpoint, writes: Write[], maxHops = 4) {
  const result = await host.update(writes);
  const sent = result.envelopes.slice();
  const undelivered = await deliverAll(host, result.envelopes, maxHops, sent);
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
