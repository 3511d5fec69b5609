// The Maelstrom adapter's edge: a Maelstrom line becomes the kit's Envelope
// on its way into the Router, and the Envelope becomes the line again on its
// way out to the destination's stdin (or to the harness as the client).
//
// - payload: the line's UTF-8 bytes, exactly as written (no newline); the
//   Router never parses it, and the destination gets it byte for byte.
// - kind: the Maelstrom body.type ('gossip', 'broadcast_ok', ...).
// - keys: the broadcast values the line hands its destination, as valueKeys:
//   node -> node, protocol.ts carriedValues (the documented reading of a body
//   the harness did not design: a `message` field, any scalar in an array);
//   a client's `broadcast`, its `message`; everything else []. The proto asks
//   an IUT to list "exactly the keys whose values it carries"; a Maelstrom
//   node declares nothing, so these keys are the harness's reading of the
//   body, made here at the edge (docs/maelstrom.md, How it is measured) —
//   the same values the delivery log (Presence) and the latency cases count.
import type { Envelope, NodeId } from '../../proto/contract.js';
import { type Body, carriedValues, valueKey } from './protocol.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** The broadcast values (valueKeys) a line from `from` to `to` hands its destination. */
export function lineKeys(from: string, to: string, body: Body, isNode: (id: string) => boolean): string[] {
  if (isNode(from) && isNode(to)) return carriedValues(body);
  if (!isNode(from) && isNode(to) && body.type === 'broadcast') return [valueKey(body.message)];
  return [];
}

/** A Maelstrom line (already parsed: `body`) `from` wrote to `to`, as an Envelope. */
export function lineToEnvelope(
  from: string,
  to: string,
  text: string,
  body: Body,
  isNode: (id: NodeId) => boolean,
): Envelope {
  return { from, to, payload: encoder.encode(text), kind: body.type, keys: lineKeys(from, to, body, isNode) };
}

/** The line an Envelope carries, as its destination reads it (without the newline). */
export function envelopeToLine(env: Envelope): string {
  return decoder.decode(env.payload);
}
