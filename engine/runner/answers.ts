// Where a lockstep round's answers come from. Normally each is a call to the
// node's endpoint; a round the endpoint played in one call (RoundRequest) is
// replayed from its RoundResult through the same runner code, so the history
// cannot tell the two apart.
import type { Envelope, GossipEndpoint, NodeId, PlayedRound, Snapshot } from '../../proto/contract.js';
import { type CallResult, callWithDeadline, failedCall } from './call.js';

export interface Answers {
  tick(endpoint: GossipEndpoint, nodes: NodeId[]): Promise<CallResult<Envelope[]>>;
  /** `hop`: the hop this batch is delivered at (1..hopLimit). */
  deliver(endpoint: GossipEndpoint, envelopes: Envelope[], hop: number): Promise<CallResult<Envelope[]>>;
  read(endpoint: GossipEndpoint, nodes: NodeId[]): Promise<CallResult<Snapshot[]>>;
}

/** The endpoint's own calls, each under the deadline `ms`. */
export function calledAnswers(ms: number): Answers {
  return {
    tick: (ep, nodes) => callWithDeadline(() => ep.tick(nodes), ms, 'Tick'),
    deliver: (ep, envelopes) => callWithDeadline(() => ep.deliver(envelopes), ms, 'Deliver'),
    read: (ep, nodes) => callWithDeadline(() => ep.read(nodes), ms, 'Read'),
  };
}

/**
 * A played round's answers, checked against the network's own routing: a hop
 * whose batch size differs from what the endpoint delivered fails the run.
 * `hopsLeft()` after the replay: hops the endpoint played beyond the network's.
 */
export function playedAnswers(res: PlayedRound): Answers & { hopsLeft(): number } {
  let used = 0;
  const stray = (message: string): CallResult<never> => ({
    ok: false,
    message: `Deliver failed: ${message}`,
    rejected: false,
  });
  return {
    tick: async () => (res.tickError ? failedCall('Tick', res.tickError) : { ok: true, value: res.ticked }),
    deliver: async (_ep, envelopes, hop) => {
      used = hop;
      const h = res.hops[hop - 1];
      if (!h)
        return stray(
          `the endpoint's Round stopped before hop ${hop}, where the network routed ${envelopes.length} envelopes`,
        );
      if (h.delivered !== envelopes.length)
        return stray(
          `the endpoint's Round delivered ${h.delivered} envelopes at hop ${hop}, where the network routed ${envelopes.length}`,
        );
      return h.error ? failedCall('Deliver', h.error) : { ok: true, value: h.envelopes };
    },
    read: async () =>
      res.readError ? failedCall('Read', res.readError) : { ok: true, value: res.snapshots },
    hopsLeft: () => res.hops.length - used,
  };
}
