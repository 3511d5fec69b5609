// contract/declared-keys, in rounds and in time, one walk: a value a node
// learns (a read shows a key at a newer version than the node's previous
// read) must have come in an envelope delivered to it that lists the key, or
// be its own write. In lockstep both fall in the round of the read. On its
// own timers a node applies a delivery or a write some time between the
// harness's record of it and its next read, so there they must fall between
// the previous read (less a slack for a call still in flight then) and the
// read that first shows the value. This keeps value traffic out of the
// value-free kinds: a library that carries values inside `control` (or any
// kind that lists no keys) fails here, not only by volume
// (bounds/control-traffic). A crash, or a restart without the durable store,
// forgets what the node held; the read after a durable restart is excused
// (it restores an older state from disk). A write counts from its Update (a
// realtime node may apply it before the harness records the ack).
import { compareVersions, type NodeId, type Version } from '../proto/contract.js';
import { count } from '../shared/plural.js';
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

/** Rounds (lockstep) or ms since the previous read less `slackMs` (realtime). */
interface Form {
  /** The window (from, r] a delivery or write of the value must fall in. */
  from: (r: number, since: number) => number;
  problem: (node: NodeId, key: string, version: string, r: number, since: number) => string;
  expected: string;
}

function walk(v: HistoryView, form: Form): Verdict {
  const sendById = new Map(v.sends.map((s) => [s.id, s]));
  const origin = new Map(v.duplicates.map((d) => [d.id, d.of]));
  const delivered: Times = new Map();
  const written: Times = new Map();
  for (const e of v.events) {
    if (e.t === 'deliver') {
      const s = sendById.get(origin.get(e.id) ?? e.id);
      if (s) for (const k of s.keys) push(delivered, s.to, k, e.r);
    } else if (e.t === 'update' || e.t === 'ack') push(written, e.node, e.key, e.r);
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
        excused = true;
        continue;
      }
      const r = it.read.r;
      const now = entryMap(it.read.entries);
      const from = form.from(r, since);
      if (!excused) {
        for (const [key, e] of now) {
          const was = before.get(key);
          if (was && compareVersions(versionOf(e), was) <= 0) continue;
          if (within(written, node, key, from, r)) continue;
          learned++;
          if (!within(delivered, node, key, from, r))
            bad.push(form.problem(node, key, `${e[2]}@${e[3]}`, r, since));
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
      expected: form.expected,
      observed: bad.length
        ? `${bad.length} of ${count(learned, 'learned value')} came in no envelope that declared them`
        : `${count(learned, 'learned value')}, each declared`,
      details: bad.slice(0, MAX_SHOWN),
    },
    learned,
  );
}

/** Lockstep: the delivery or the write in the round of the read. */
export const checkDeclaredKeys = (v: HistoryView): Verdict =>
  walk(v, {
    from: (r) => r - 1,
    problem: (node, key, version, r) =>
      `round ${r} ${node} learned ${key} v${version}, but no envelope delivered to it that round declared key ${key}`,
    expected: 'each learned value arrives in a delivered envelope that lists its key',
  });

/**
 * Realtime: since the node's previous read, less `slackMs` (a delivery or a
 * write still in flight then: the realtime checks' harness grace).
 */
export const checkDeclaredKeysMs = (v: HistoryView, slackMs: number): Verdict =>
  walk(v, {
    from: (_r, since) => since - slackMs,
    problem: (node, key, version, r, since) =>
      `${node} shows ${key} v${version} at ${r} ms, but no envelope listing ${key} was delivered to it, nor was it written there, since ${Number.isFinite(since) ? `${Math.max(0, since - slackMs)} ms (its previous read at ${since} ms, less ${slackMs} ms)` : 'the start'}`,
    expected: `each learned value delivered in an envelope listing its key (or written at the node) between the node's previous read, less ${slackMs} ms, and the read that shows it`,
  });
