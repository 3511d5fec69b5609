// One placement's share of a hop: a Deliver call, or, when the share holds
// tampered copies, a probe (reads around the call, and a retry of what was
// valid). Recording and judging the outcome is the runner's.
import type { Envelope, NodeId, Snapshot } from '../../proto/contract.js';
import type { InFlight } from '../router/router.js';
import type { Answers } from './answers.js';
import type { CallResult } from './call.js';
import type { Placement } from './spec.js';

/** One Deliver call of a hop: the envelopes handed over and the answer. */
export interface DeliverAttempt {
  items: InFlight[];
  res: CallResult<Envelope[]>;
}

/** A placement's share of a hop; `before`, `after` and `retry` only for a probe (see deliverGroup). */
export interface DeliverOutcome {
  nodes: NodeId[];
  first: DeliverAttempt;
  before?: CallResult<Snapshot[]>;
  after?: CallResult<Snapshot[]>;
  retry?: DeliverAttempt;
}

/**
 * Delivers one placement's share of a hop. A share holding tampered copies
 * (a tamper fault) is a probe: the nodes are read before and, when the
 * batch is refused, after (a refused batch must change nothing), and what
 * was valid in it is delivered again on its own (and must be accepted).
 */
export async function deliverGroup(
  p: Placement,
  nodes: NodeId[],
  items: InFlight[],
  hop: number,
  answers: Answers,
): Promise<DeliverOutcome> {
  const deliver = async (batch: InFlight[]): Promise<DeliverAttempt> => ({
    items: batch,
    res: await answers.deliver(
      p.endpoint,
      batch.map((item) => item.env),
      hop,
    ),
  });
  if (!items.some((item) => item.tampered)) return { nodes, first: await deliver(items) };
  const read = () => answers.read(p.endpoint, nodes);
  const before = await read();
  const first = await deliver(items);
  if (first.res.ok || !first.res.rejected) return { nodes, first, before };
  const after = await read();
  const valid = items.filter((item) => !item.tampered);
  return { nodes, first, before, after, retry: valid.length > 0 ? await deliver(valid) : undefined };
}
