// Contract rules about what an envelope may carry and which way values
// travel: versions are never reused for another value, payloads respect
// max_payload_bytes, and each variant moves values in its defining
// direction (a pull that silently pushes still converges, so convergence
// alone cannot tell).

import type { EventOf } from '../engine/history/events.js';
import { DEFAULT_MAX_PAYLOAD_BYTES, type Variant } from '../proto/contract.js';
import { count } from '../shared/plural.js';
import { CONTRACT, MAX_SHOWN } from './contract.js';
import { at } from './run.js';
import { type CheckInfo, notJudged, type Verdict, verdictOf } from './verdict.js';
import type { HistoryView } from './view.js';

export const UNIQUE_VERSIONS: CheckInfo = {
  id: 'contract/unique-versions',
  requirement:
    'A version (counter, origin) MUST name one value only: a node restarted without durable state never reissues a version it may have issued before (NodeInit.generation), and no node relabels a value.',
  level: 'MUST',
  source: `${CONTRACT}: Version, NodeInit.generation (Cassandra's gossip generation)`,
};

export const PAYLOAD_SIZE: CheckInfo = {
  id: 'contract/payload-size',
  requirement:
    'A node MUST NOT send a payload larger than max_payload_bytes (it splits digests and entry batches instead).',
  level: 'MUST',
  source: `${CONTRACT}: Parameters.max_payload_bytes`,
};

export const EXCHANGE_DIRECTION: CheckInfo = {
  id: 'contract/exchange-direction',
  requirement:
    "Values MUST travel in the variant's defining direction: push variants and direct mail from the node that starts the exchange to its peer, pull variants back from the contacted peer to the node that asked.",
  level: 'MUST',
  source: `${CONTRACT}; Demers et al. 1987 §1.3 (push, pull) and §1.4 (rumor push, pull)`,
};

export function checkUniqueVersions(v: HistoryView): Verdict {
  const valueByVersion = new Map<string, { value: string; where: string }>();
  const bad: string[] = [];
  const see = (key: string, counter: number, origin: string, value: string, where: string) => {
    const id = `${key}\u0000${counter}\u0000${origin}`;
    const had = valueByVersion.get(id);
    if (!had) valueByVersion.set(id, { value, where });
    else if (had.value !== value)
      bad.push(
        `${key} v${counter}@${origin} is ${JSON.stringify(had.value)} (${had.where}) and ${JSON.stringify(value)} (${where})`,
      );
  };
  // Which write an ack answers. Lockstep: one Update call a round per node,
  // "one ack per write, in order" (UpdateResponse), so a node's acks of a key
  // answer its writes of that key in the round in order (a round may write a
  // key twice at one node). Realtime: one write a call, so an ack answers the
  // node's latest write of its key, a few ms later (an earlier one may have
  // timed out unanswered).
  const realtime = v.run?.mode === 'realtime';
  const pending = new Map<string, string[]>();
  const when = (r: number) => (realtime ? `at ${r} ms` : `in round ${r}`);
  for (const e of v.events) {
    if (e.t === 'round') pending.clear();
    else if (e.t === 'update') {
      const id = `${e.node}\u0000${e.key}`;
      const queue = realtime ? undefined : pending.get(id);
      if (queue) queue.push(e.value);
      else pending.set(id, [e.value]);
    } else if (e.t === 'ack') {
      const value = pending.get(`${e.node}\u0000${e.key}`)?.shift();
      if (value !== undefined)
        see(e.key, e.version.counter, e.version.origin, value, `acked by ${e.node} ${when(e.r)}`);
    } else if (e.t === 'read')
      for (const [key, value, counter, origin] of e.entries)
        see(key, counter, origin, value, `read at ${e.node} ${when(e.r)}`);
  }
  return verdictOf(
    UNIQUE_VERSIONS,
    bad.length === 0,
    {
      expected: 'each (key, version) with one value',
      observed: bad.length
        ? `${count(bad.length, 'version names', 'versions name')} two values`
        : `${valueByVersion.size} versions, each with one value`,
      details: bad.slice(0, MAX_SHOWN),
    },
    valueByVersion.size,
  );
}

/** Why a direct-transport run gives the checks that count envelopes nothing to count. */
export const DIRECT_TRANSPORT =
  'with the direct transport, envelopes go node to node and never pass the harness';

/** A realtime run on the direct transport: envelopes go node to node, the harness sees only firewall counters. */
export function directTransport(v: HistoryView): boolean {
  return v.sends.length === 0 && v.events.some((e) => e.t === 'counters');
}

export function checkPayloadSize(v: HistoryView): Verdict {
  // 0 is the contract's "the default" (chaos runs send it).
  const max = v.params!.maxPayloadBytes || DEFAULT_MAX_PAYLOAD_BYTES;
  const over = v.sends.filter((s) => s.bytes > max);
  const largest = v.sends.reduce((m, s) => Math.max(m, s.bytes), 0);
  return verdictOf(
    PAYLOAD_SIZE,
    over.length === 0,
    {
      expected: `every payload <= max_payload_bytes = ${max}`,
      observed: over.length
        ? `${count(over.length, 'payload')} over it; largest ${largest} bytes`
        : `largest payload ${largest} bytes`,
      details: over
        .slice(0, MAX_SHOWN)
        .map((s) => `${at(v, s.r)} ${s.from} -> ${s.to} (${s.kind}): ${s.bytes} bytes`),
    },
    v.sends.length,
  );
}

/** Which way values may go: 'forward' from the node that started the exchange, 'back' to it. */
const DIRECTION: Partial<Record<Variant, 'forward' | 'back'>> = {
  'direct-mail': 'forward',
  'anti-entropy-push': 'forward',
  'anti-entropy-pull': 'back',
  'rumor-push': 'forward',
  'rumor-pull': 'back',
};

export const EXCHANGE_DIRECTION_VARIANTS = Object.keys(DIRECTION) as Variant[];

/**
 * Each send's direction from causality: a hop-0 send (Tick or Update) goes
 * forward; a send from X to Y at (round, hop h) answers the envelope Y sent
 * X that was delivered at (round, h), and goes the other way. A send with no
 * such envelope (or several of different directions) is not judged.
 */
export function checkExchangeDirection(v: HistoryView): Verdict {
  const allowed = DIRECTION[v.variant!];
  if (!allowed)
    return notJudged(EXCHANGE_DIRECTION, {
      expected: '-',
      observed: `no defining direction for ${v.variant}`,
      details: [],
    });
  type Dir = 'forward' | 'back' | 'unknown';
  const sendById = new Map<number, EventOf<'send'>>();
  const origin = new Map<number, number>();
  const dir = new Map<number, Dir>();
  /** (round, hop, from, to) of a delivered envelope -> the directions seen. */
  const delivered = new Map<string, Set<Dir>>();
  const at = (r: number, hop: number, from: string, to: string) => `${r}:${hop}:${from}\u0000${to}`;
  const bad: string[] = [];
  let judged = 0;
  for (const e of v.events) {
    if (e.t === 'duplicate') origin.set(e.id, e.of);
    else if (e.t === 'deliver') {
      const id = origin.get(e.id) ?? e.id;
      const s = sendById.get(id);
      if (s) {
        const k = at(e.r, e.hop, s.from, s.to);
        delivered.set(k, (delivered.get(k) ?? new Set()).add(dir.get(id) ?? 'unknown'));
      }
    } else if (e.t === 'send') {
      sendById.set(e.id, e);
      // An answer to an envelope of unknown direction, or to several of
      // different directions, has an unknown direction too: never guessed.
      let d: Dir = 'unknown';
      if (e.hop === 0) d = 'forward';
      else {
        const answered = delivered.get(at(e.r, e.hop, e.to, e.from));
        if (answered?.size === 1 && !answered.has('unknown'))
          d = answered.has('forward') ? 'back' : 'forward';
      }
      dir.set(e.id, d);
      if (d === 'unknown' || e.keys.length === 0) continue;
      judged++;
      if (d !== allowed)
        bad.push(
          `round ${e.r} hop ${e.hop} ${e.from} -> ${e.to} (${e.kind}) carries ${e.keys.slice(0, 5).join(', ')} ${d === 'back' ? 'back to the node that started the exchange' : 'forward from the node that started the exchange'}`,
        );
    }
  }
  return verdictOf(
    EXCHANGE_DIRECTION,
    bad.length === 0,
    {
      expected: `values travel ${allowed === 'forward' ? 'from the starting node to its peer' : 'from the contacted peer back to the starting node'}`,
      observed: bad.length
        ? `${bad.length} of ${judged} value-carrying envelopes went the wrong way`
        : `${judged} value-carrying envelopes, all ${allowed}`,
      details: bad.slice(0, MAX_SHOWN),
    },
    judged,
  );
}
