// Anti-entropy traffic bounds: how many exchanges a node starts per round,
// and whether values travel to peers that already hold them.

import type { ReadEntry } from '../engine/history/events.js';
import type { NodeId } from '../proto/contract.js';
import { type CheckInfo, type Verdict, verdictOf } from './verdict.js';
import { type HistoryView, holdsAtLeast, versionOf } from './view.js';

export const EXCHANGES: CheckInfo = {
  id: 'bounds/anti-entropy-exchanges',
  requirement:
    'Each round an anti-entropy node MUST start at most `fanout` exchanges (distinct peers its Tick sends to; a digest split into several envelopes is one exchange).',
  level: 'MUST',
  source:
    'declared parameter fanout; Demers et al. 1987 §1.3: each site contacts one (here: fanout) random site per cycle',
};

/**
 * An exchange is started per peer: the envelopes a Tick sends to one peer
 * (a digest split into several key ranges under max_payload_bytes) are one
 * exchange, so a split is never counted against the fanout.
 */
export function checkExchanges(v: HistoryView): Verdict {
  const fanout = v.params!.fanout;
  const peers = new Map<string, Set<string>>();
  for (const s of v.initiated) {
    const key = `round ${s.r} ${s.from}`;
    const set = peers.get(key) ?? new Set<string>();
    set.add(s.to);
    peers.set(key, set);
  }
  const count = new Map([...peers].map(([k, set]) => [k, set.size]));
  const over = [...count].filter(([, c]) => c > fanout);
  const max = Math.max(0, ...count.values());
  return verdictOf(
    EXCHANGES,
    over.length === 0,
    {
      expected: `<= ${fanout} exchanges started per node per round`,
      observed: over.length ? `${over.length} (round, node) pairs over; max ${max}` : `max ${max}`,
      details: over.map(([k, c]) => `${k}: ${c} exchanges`),
    },
    count.size,
  );
}

export const NO_REDUNDANT_VALUES: CheckInfo = {
  id: 'bounds/no-redundant-values',
  requirement:
    'Anti-entropy MUST NOT ship a value to a peer that already held that version (or newer) at the start of the round: digests go first, then only newer entries travel.',
  level: 'MUST',
  source:
    'Demers et al. 1987 §1.3 (checksums / recent-update lists avoid sending the whole database); the digest exchange of the contract',
};

/**
 * Sound from the history alone: a value A sends in round r is at most A's
 * version at the end of r (versions never go backwards), so if B already held
 * that version or newer at the end of round r-1, the value was redundant.
 * Judged only on fault-free runs: a delayed or duplicated envelope may arrive
 * after the peer learned the value elsewhere.
 */
export function checkNoRedundantValues(v: HistoryView): Verdict {
  const stateAt = statesByRound(v);
  const offending: string[] = [];
  let checked = 0;
  for (const s of v.sends) {
    if (s.keys.length === 0) continue;
    const senderEnd = stateAt(s.from, s.r);
    const peerStart = stateAt(s.to, s.r - 1);
    for (const key of s.keys) {
      const sent = senderEnd.get(key);
      if (!sent) continue;
      checked++;
      if (holdsAtLeast(peerStart.get(key), versionOf(sent))) {
        offending.push(
          `round ${s.r} ${s.from} -> ${s.to} (${s.kind}): key ${key}, which ${s.to} already held`,
        );
      }
    }
  }
  return verdictOf(
    NO_REDUNDANT_VALUES,
    offending.length === 0,
    {
      expected: 'no value sent to a peer that held it at the start of the round',
      observed: offending.length
        ? `${offending.length} redundant values`
        : `${checked} shipped values, none redundant`,
      details: offending,
    },
    checked,
  );
}

/** The entries a node held at the end of a round (its last read at or before it). */
function statesByRound(v: HistoryView): (node: NodeId, round: number) => Map<string, ReadEntry> {
  const reads = new Map<NodeId, { r: number; entries: Map<string, ReadEntry> }[]>();
  for (const [node, items] of v.timeline) {
    const list: { r: number; entries: Map<string, ReadEntry> }[] = [];
    for (const it of items) {
      if (it.t === 'read')
        list.push({ r: it.read.r, entries: new Map(it.read.entries.map((e) => [e[0], e])) });
      else if (it.t === 'crash' || (it.t === 'restart' && !it.durable))
        list.push({ r: it.r, entries: new Map() });
    }
    reads.set(node, list);
  }
  const empty = new Map<string, ReadEntry>();
  return (node, round) => {
    let found = empty;
    for (const x of reads.get(node) ?? []) {
      if (x.r > round) break;
      found = x.entries;
    }
    return found;
  };
}
