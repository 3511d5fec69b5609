// contract/declared-keys in time form: a value a node learns must have come
// in an envelope delivered to it that lists the value's key, or be its own
// write. Lockstep pins both to the round of the read (checks/contract.ts
// checkDeclaredKeys); on its own timers a node applies a delivery or a write
// some time between the harness's record of it and the next read, so here
// the delivery or write must fall between the node's previous read (less a
// slack for a delivery or write still in flight then) and the read that
// first shows the value. This is what keeps value traffic out of the
// value-free kinds: a library that carries values inside `control` (or any
// kind that lists no keys) fails here, not only by volume
// (bounds/control-traffic).

import { compareVersions, type NodeId, type Version } from '../proto/contract.js';
import { DECLARED_KEYS, MAX_SHOWN } from './contract.js';
import { type Verdict, verdictOf } from './verdict.js';
import { entryMap, type HistoryView, versionOf } from './view.js';

type Times = Map<NodeId, Map<string, number[]>>;

function push(m: Times, node: NodeId, key: string, r: number): void {
  let byKey = m.get(node);
  if (!byKey) {
    byKey = new Map();
    m.set(node, byKey);
  }
  const list = byKey.get(key);
  if (list) list.push(r);
  else byKey.set(key, [r]);
}

const within = (m: Times, node: NodeId, key: string, from: number, to: number): boolean =>
  m
    .get(node)
    ?.get(key)
    ?.some((r) => r > from && r <= to) ?? false;

/**
 * `slackMs`: how long before the previous read a delivery or write may have
 * been recorded and still be applied after it (a call in flight; the
 * realtime checks' harness grace).
 */
export function checkDeclaredKeysMs(v: HistoryView, slackMs: number): Verdict {
  const sendById = new Map(v.sends.map((s) => [s.id, s]));
  const origin = new Map(v.duplicates.map((d) => [d.id, d.of]));
  const delivered: Times = new Map();
  const written: Times = new Map();
  for (const e of v.events) {
    if (e.t === 'deliver') {
      const s = sendById.get(origin.get(e.id) ?? e.id);
      if (s) for (const k of s.keys) push(delivered, s.to, k, e.r);
    } else if (e.t === 'update') push(written, e.node, e.key, e.r);
  }
  const bad: string[] = [];
  let learned = 0;
  for (const [node, items] of v.timeline) {
    let before = new Map<string, Version>();
    let since = Number.NEGATIVE_INFINITY;
    let excused = false;
    for (const it of items) {
      if (it.t === 'crash' || (it.t === 'restart' && !it.durable)) {
        before = new Map();
        continue;
      }
      if (it.t === 'restart') {
        // A durable restart restores an older state from disk: the read after it is excused.
        excused = true;
        continue;
      }
      const r = it.read.r;
      const now = entryMap(it.read.entries);
      if (!excused) {
        for (const [key, e] of now) {
          const was = before.get(key);
          if (was && compareVersions(versionOf(e), was) <= 0) continue;
          learned++;
          const from = since - slackMs;
          if (within(written, node, key, from, r) || within(delivered, node, key, from, r)) continue;
          bad.push(
            `${node} shows ${key} v${e[2]}@${e[3]} at ${r} ms, but no envelope listing ${key} was delivered to it, nor was it written there, since ${Number.isFinite(since) ? `${Math.max(0, from)} ms (its previous read at ${since} ms, less ${slackMs} ms)` : 'the start'}`,
          );
        }
      }
      excused = false;
      since = r;
      before = new Map([...now].map(([k, e]) => [k, versionOf(e)]));
    }
  }
  return verdictOf(
    DECLARED_KEYS,
    bad.length === 0,
    {
      expected: `each learned value delivered in an envelope listing its key (or written at the node) between the node's previous read, less ${slackMs} ms, and the read that shows it`,
      observed: bad.length
        ? `${bad.length} of ${learned} learned values came in no envelope that declared them`
        : `${learned} learned values, each declared`,
      details: bad.slice(0, MAX_SHOWN),
    },
    learned,
  );
}
