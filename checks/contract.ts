// The contract's own rules about envelopes, judged from the history: the
// metadata other checks count by (kind, keys) and the addressing. A node that
// omits or lies about its metadata fails here; it can never make a bound pass
// (a bound that saw nothing to count is INCONCLUSIVE, see verdict.ts).

import type { EventOf } from '../engine/history/events.js';
import { compareVersions, ENVELOPE_KINDS, type NodeId, type Version } from '../proto/contract.js';
import { count } from '../shared/plural.js';
import { type CheckInfo, type Verdict, verdictOf } from './verdict.js';
import { entryMap, type HistoryView, versionOf } from './view.js';

/** Where every contract rule is written down, for the contract checks' sources. */
export const CONTRACT = 'GossipNode contract (proto/gossipcheck/v1/gossip.proto; docs/contract.md)';
const ENVELOPE = `${CONTRACT}, Envelope`;

/** The most offending items a contract check lists. */
export const MAX_SHOWN = 10;

export const ENVELOPE_KIND: CheckInfo = {
  id: 'contract/envelope-kind',
  requirement:
    "Every envelope MUST carry a `kind` from its variant's vocabulary (direct mail: mail; anti-entropy: digest, want, entries, entries-want; rumor: rumor, feedback, pull; hybrid: both; push-sum: pushsum; every variant: control, for layered control traffic), and kinds that carry no values (control among them) MUST list no keys.",
  level: 'MUST',
  source: ENVELOPE,
};

export const DECLARED_KEYS: CheckInfo = {
  id: 'contract/declared-keys',
  requirement:
    "Every value a node learns MUST arrive in an envelope delivered to it in that round whose `keys` lists the value's key (a node learns values only from envelopes, and the checks count values by `keys`).",
  level: 'MUST',
  source: ENVELOPE,
};

export const ADDRESSING: CheckInfo = {
  id: 'contract/addressing',
  requirement:
    "Every envelope MUST be sent by a node that was acting at that moment (ticked, written to, stopped cleanly, or handed an envelope at that hop) and addressed to another node of the run, never to itself or to an unknown id; when the peer graph is not the full mesh, to one of the sender's peers (NodeInit.peers) or to a node that earlier sent it an envelope it received (a reply).",
  level: 'MUST',
  source: `${ENVELOPE}; NodeInit.peers`,
};

export function checkEnvelopeKind(v: HistoryView): Verdict {
  const vocabulary = ENVELOPE_KINDS[v.variant!];
  const bad: string[] = [];
  for (const s of v.sends) {
    const values = vocabulary[s.kind];
    if (values === undefined)
      bad.push(
        `round ${s.r} ${s.from} -> ${s.to}: kind ${JSON.stringify(s.kind)} is not one of ${Object.keys(vocabulary).join(', ')}`,
      );
    else if (!values && s.keys.length > 0)
      bad.push(
        `round ${s.r} ${s.from} -> ${s.to}: kind ${s.kind} carries no values but lists keys ${s.keys.slice(0, 5).join(', ')}`,
      );
  }
  return verdictOf(
    ENVELOPE_KIND,
    bad.length === 0,
    {
      expected: `every kind in {${Object.keys(vocabulary).join(', ')}}`,
      observed: bad.length
        ? `${bad.length} of ${count(v.sends.length, 'envelope')} with a bad kind`
        : `${count(v.sends.length, 'envelope')}, all well labelled`,
      details: bad.slice(0, MAX_SHOWN),
    },
    v.sends.length,
  );
}

/**
 * Who may send at each point of a round: hop 0 the nodes written to (Update),
 * the ticked nodes (Tick) and the nodes stopped cleanly (Stop); hop h the nodes handed an envelope at hop h.
 * With a peer graph in the run event, whom: a peer of the sender, or a node
 * whose envelope the sender was handed earlier in the run.
 */
export function checkAddressing(v: HistoryView): Verdict {
  const nodes = new Set(v.nodes);
  // A membership node learns members by gossip and may probe any of them:
  // its peer list is only where it starts (seeds).
  const graph = v.variant === 'membership-swim' ? undefined : v.run?.peers;
  const peers = graph ? new Map(Object.entries(graph).map(([id, ps]) => [id, new Set(ps)])) : undefined;
  /** `${to}\u0000${from}`: `to` was handed an envelope from `from`. */
  const heard = new Set<string>();
  const sendById = new Map<number, EventOf<'send'>>();
  const origin = new Map<number, number>();
  const acting = new Map<number, Set<NodeId>>();
  // Numeric (round, hop) keys: this runs on every history (it rides along).
  const key = (r: number, hop: number) => r * 4096 + hop;
  const act = (r: number, hop: number, node: NodeId) => {
    const set = acting.get(key(r, hop)) ?? new Set<NodeId>();
    set.add(node);
    acting.set(key(r, hop), set);
  };
  const bad: string[] = [];
  for (const e of v.events) {
    // A clean Stop sends too (a membership node's leave), routed like a Tick's.
    if (e.t === 'update' || e.t === 'leave') act(e.r, 0, e.node);
    else if (e.t === 'tick') for (const n of e.nodes) act(e.r, 0, n);
    else if (e.t === 'duplicate') origin.set(e.id, e.of);
    else if (e.t === 'deliver') {
      const s = sendById.get(origin.get(e.id) ?? e.id);
      if (s) {
        act(e.r, e.hop, s.to);
        if (peers) heard.add(`${s.to}\u0000${s.from}`);
      }
    } else if (e.t === 'send') {
      sendById.set(e.id, e);
      const where = () => `round ${e.r} hop ${e.hop} ${e.from} -> ${e.to}`;
      if (!nodes.has(e.to)) bad.push(`${where()}: to an unknown node ${JSON.stringify(e.to)}`);
      else if (e.to === e.from) bad.push(`${where()}: to itself`);
      else if (peers && !peers.get(e.from)?.has(e.to) && !heard.has(`${e.from}\u0000${e.to}`))
        bad.push(`${where()}: ${e.to} is not a peer of ${e.from} and never sent it an envelope`);
      if (!acting.get(key(e.r, e.hop))?.has(e.from))
        bad.push(
          `${where()}: ${nodes.has(e.from) ? `${e.from} was not acting then` : `from an unknown node ${JSON.stringify(e.from)}`}`,
        );
    }
  }
  return verdictOf(
    ADDRESSING,
    bad.length === 0,
    {
      expected: peers
        ? "from an acting node, to one of its peers or a node it heard from (the run's peer graph)"
        : 'from an acting node, to another node of the run',
      observed: bad.length
        ? `${bad.length} of ${count(v.sends.length, 'envelope')} misaddressed`
        : `${count(v.sends.length, 'envelope')}, all well addressed`,
      details: bad.slice(0, MAX_SHOWN),
    },
    v.sends.length,
  );
}
