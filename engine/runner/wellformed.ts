// Whether an endpoint's answers have the shape the contract gives them: an
// in-process IUT may return anything, and a malformed answer must end the
// run with a clear error, not crash the harness. Each returns what is wrong,
// or undefined.
import type { NodeId } from '../../proto/contract.js';

const isStr = (x: unknown): x is string => typeof x === 'string';
const isNum = (x: unknown): x is number => typeof x === 'number';
const isObj = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null;

export function badEnvelopes(x: unknown): string | undefined {
  if (!Array.isArray(x)) return 'envelopes are not a list';
  for (const e of x) {
    if (!isObj(e)) return 'an envelope is not an object';
    if (!isStr(e.from) || !isStr(e.to)) return 'an envelope has no from/to node';
    if (!(e.payload instanceof Uint8Array)) return `envelope ${e.from} -> ${e.to} has no byte payload`;
    if (!isStr(e.kind)) return `envelope ${e.from} -> ${e.to} has no kind`;
    if (!Array.isArray(e.keys) || !e.keys.every(isStr)) return `envelope ${e.from} -> ${e.to} has bad keys`;
  }
  return undefined;
}

function badVersion(v: unknown): boolean {
  return !isObj(v) || !isNum(v.counter) || !isStr(v.origin);
}

export function badUpdate(x: unknown): string | undefined {
  if (!isObj(x) || !Array.isArray(x.acks)) return 'no list of acks';
  for (const a of x.acks) {
    if (!isObj(a) || !isStr(a.node) || !isStr(a.key) || badVersion(a.version)) return 'a malformed ack';
  }
  return badEnvelopes(x.envelopes);
}

export function badSnapshots(x: unknown): string | undefined {
  if (!Array.isArray(x)) return 'snapshots are not a list';
  for (const s of x) {
    if (!isObj(s) || !isStr(s.node)) return 'a snapshot has no node';
    if (!Array.isArray(s.entries)) return `snapshot of ${s.node} has no entries`;
    for (const e of s.entries) {
      if (!isObj(e) || !isStr(e.key) || !isStr(e.value) || badVersion(e.version)) {
        return `snapshot of ${s.node} has a malformed entry`;
      }
    }
    if (!isNum(s.estimate) || !isNum(s.sum) || !isNum(s.weight))
      return `snapshot of ${s.node} has bad numbers`;
  }
  return undefined;
}

export function badInit(x: unknown): string | undefined {
  if (!isObj(x) || !isStr(x.implementation) || !isStr(x.version)) return 'no implementation/version';
  const c = x.capabilities;
  if (!isObj(c) || !Array.isArray(c.variants) || !Array.isArray(c.lossOfInterest)) return 'no capabilities';
  return undefined;
}

/** At most 10 node ids, for messages (the event's `nodes` has them all). */
export function nodeList(nodes: readonly NodeId[]): string {
  const shown = nodes.slice(0, 10).join(', ');
  return nodes.length > 10 ? `${shown} and ${nodes.length - 10} more` : shown;
}
