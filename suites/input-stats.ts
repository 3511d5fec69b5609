// What one generated input explores, as flat features, for the report's
// "explored" table (per case: feature -> value bucket -> count). Pure: the
// input alone, whatever its case (scenario or robustness probe).

import { count } from '../shared/plural.js';
import { lastActivity } from './scenario.js';

const isObj = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null;

/** A number's bucket: exact up to 4, then power-of-two ranges ("5-8", "9-16", ...). */
export function bucket(x: number): string {
  if (x <= 4) return String(x);
  let hi = 8;
  while (x > hi) hi *= 2;
  return `${hi / 2 + 1}-${hi}`;
}

/**
 * Features of one input: cluster size, topology, fanout, k, rule, payload
 * limit, writes, keys, the largest value, fault kinds, the first and last
 * active round. Numbers are raw (bucket them with `bucket`); absent features
 * are left out.
 */
export function describeInput(input: unknown): Record<string, string | number> {
  const out: Record<string, string | number> = {};
  if (!isObj(input)) return out;
  const num = (k: string) => (typeof input[k] === 'number' ? (input[k] as number) : undefined);
  const n = num('n');
  if (n !== undefined) out.nodes = n;
  if ('fanout' in input) {
    const t = input.topology;
    out.topology = isObj(t) ? `${String(t.kind)}${t.kind === 'full' ? '' : ` ${String(t.param)}`}` : 'full';
  }
  for (const k of ['fanout', 'rumorK', 'antiEntropyEvery', 'maxPayloadBytes'] as const) {
    const v = num(k);
    if (v !== undefined) out[k] = v;
  }
  if (typeof input.lossOfInterest === 'string') out.lossOfInterest = input.lossOfInterest;
  const writes = Array.isArray(input.writes) ? input.writes.filter(isObj) : [];
  out.writes = writes.length;
  if (writes.length) {
    out.keys = new Set(writes.map((w) => w.key)).size;
    out.longestKey = Math.max(...writes.map((w) => String(w.key ?? '').length));
    out.largestValue = Math.max(...writes.map((w) => String(w.value ?? '').length));
    if (typeof writes[0].round === 'number') out.firstWrite = Math.min(...writes.map((w) => Number(w.round)));
  }
  if (Array.isArray(input.faults)) {
    // A link fault counts as its kind (loss, delay...), as the schedule names it.
    const kindOf = (f: Record<string, unknown>) =>
      String(f.type === 'link' && isObj(f.fault) ? f.fault.kind : f.type);
    const kinds = [...new Set(input.faults.filter(isObj).map(kindOf))].sort();
    out.faults = kinds.length ? kinds.join('+') : 'none';
    if (Array.isArray(input.writes) && n !== undefined)
      out.lastActivity = lastActivity(input as unknown as Parameters<typeof lastActivity>[0]);
  }
  return out;
}

/** Adds one input's features to per-feature bucket counts (numbers bucketed). */
export function addExplored(
  explored: Record<string, Record<string, number>>,
  features: Record<string, string | number>,
): void {
  for (const [feature, value] of Object.entries(features)) {
    const b = typeof value === 'number' ? bucket(value) : value;
    const counts = explored[feature] ?? {};
    explored[feature] = counts;
    counts[b] = (counts[b] ?? 0) + 1;
  }
}

/** The size of an input, as a failure's counterexample is judged small: nodes, client writes, fault events. */
export interface InputShape {
  nodes: number;
  writes: number;
  faults: number;
  /** e.g. "3 nodes, 1 write, no faults". */
  text: string;
}

export function inputShape(input: unknown): InputShape {
  // Lockstep inputs name n and list writes; realtime and Maelstrom ones count nodes (and writes).
  const f = describeInput(input);
  const o = isObj(input) ? input : {};
  const asNumber = (x: unknown) => (typeof x === 'number' ? x : 0);
  const nodes = typeof f.nodes === 'number' ? f.nodes : asNumber(o.nodes);
  const writes = Array.isArray(o.writes) ? o.writes.length : asNumber(o.writes);
  const list = isObj(input) && Array.isArray(input.faults) ? input.faults : [];
  const faults = list.length === 0 ? 'no faults' : `${count(list.length, 'fault')} (${String(f.faults)})`;
  return {
    nodes,
    writes,
    faults: list.length,
    text: [nodes ? count(nodes, 'node') : '', 'writes' in o ? count(writes, 'write') : '', faults]
      .filter(Boolean)
      .join(', '),
  };
}
