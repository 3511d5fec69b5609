// bounds/… in their time form: what each node sends per gossip period of a
// realtime run (r in ms), in windows of WINDOW_PERIODS periods with the timer
// allowance of checks/realtime-window.ts.
// - bounds/fanout: the lockstep bound (checks/messages.ts checkFanout: at
//   most `fanout` distinct peers per round, hybrid fanout + 1) applied to the
//   exchanges a node opens. Lockstep tells a Tick's sends from replies by the
//   tick; realtime has no tick, so an exchange is told by the kind that opens
//   it in the variant's protocol (Demers et al. 1987 §1.3-1.4; the contract's
//   vocabulary): anti-entropy opens with a digest, push rumor mongering with
//   a rumor, hybrid with either. The distinct peers of one send batch (one
//   firing: the envelopes the harness took at the same ms) are its contacts, so
//   a digest split under max_payload_bytes is one exchange.
// - bounds/direct-mail: time-free, so per key over the run: at most n-1
//   envelopes carrying it per write of it (Demers et al. 1987 §1.1).
// - bounds/control-traffic: the value-free `control` kind's own bound.
// - bounds/messages-per-period, bounds/redundant-deliveries: measured (INFO).
import type { EventOf } from '../engine/history/events.js';
import { ANTI_ENTROPY_VARIANTS, CONTROL_KIND, type NodeId, type Variant } from '../proto/contract.js';
import { count } from '../shared/plural.js';
import { DIRECT_MAIL, FANOUT, fanoutPerPeriod } from './messages.js';
import {
  ALLOWANCE_TEXT,
  nodeWindow,
  periodOf,
  unsettledWindows,
  WINDOW_PERIODS,
  windowFirings,
  windowOf,
} from './realtime-window.js';
import { type CheckInfo, notJudged, unsupported, type Verdict, verdictOf } from './verdict.js';
import { type HistoryView, holdsAtLeast, type SendEvent, versionOf } from './view.js';

/** The kinds that open an exchange, by variant (the others answer one). */
export const OPENING_KINDS: Partial<Record<Variant, readonly string[]>> = {
  ...Object.fromEntries(ANTI_ENTROPY_VARIANTS.map((v) => [v, ['digest']])),
  'rumor-push': ['rumor'],
  hybrid: ['rumor', 'digest'],
};

/** The variants the time form of bounds/fanout judges: lockstep's, less push-sum (not run in realtime). */
export const FANOUT_VARIANTS: readonly Variant[] = [...ANTI_ENTROPY_VARIANTS, 'rumor-push', 'hybrid'];

const noPeriod = (info: CheckInfo) =>
  notJudged(info, {
    expected: 'a declared period_ms',
    observed: 'the run declares no gossip period: nothing per period to count',
    details: [],
  });

const maxOf = (m: Map<string, number>) => Math.max(0, ...m.values());
const fmtWindow = (key: string, periodMs: number) => {
  const [node, w] = key.split('\u0000');
  const span = WINDOW_PERIODS * periodMs;
  return `${node} ${Number(w) * span}-${(Number(w) + 1) * span} ms`;
};

/** Per (node, window): how many exchanges the node opened (distinct peers per send batch). */
function openedPerWindow(v: HistoryView, periodMs: number, kinds: readonly string[]): Map<string, number> {
  const batches = new Map<string, Set<NodeId>>();
  for (const s of v.sends) {
    if (!kinds.includes(s.kind)) continue;
    const b = `${s.from}\u0000${s.r}`;
    const set = batches.get(b) ?? new Set<NodeId>();
    set.add(s.to);
    batches.set(b, set);
  }
  const out = new Map<string, number>();
  for (const [b, peers] of batches) {
    const [from, r] = b.split('\u0000');
    const key = nodeWindow(from, windowOf(Number(r), periodMs));
    out.set(key, (out.get(key) ?? 0) + peers.size);
  }
  return out;
}

/** bounds/fanout, the same property as in lockstep, restated per window of periods. */
export const FANOUT_MS: CheckInfo = {
  ...FANOUT,
  requirement: `In each gossip period a node MUST open exchanges with at most \`fanout\` distinct peers (hybrid: fanout + 1 for the anti-entropy exchange); on its own timer, at most ${windowFirings()}·(that) in a window of ${WINDOW_PERIODS} periods.`,
  source: `declared parameter fanout (Init Parameters), the lockstep bound per timer firing (checks/messages.ts checkFanout); ${ALLOWANCE_TEXT}`,
};

export function checkFanoutMs(v: HistoryView): Verdict {
  const periodMs = periodOf(v);
  const fanout = v.params!.fanout;
  const perPeriod = fanoutPerPeriod(v.variant!, fanout);
  const limit = windowFirings() * perPeriod;
  const kinds = OPENING_KINDS[v.variant!] ?? [];
  const info: CheckInfo = {
    ...FANOUT_MS,
    source: `declared parameter fanout = ${fanout}${v.variant === 'hybrid' ? ' (+1 anti-entropy)' : ''}, the lockstep bound (checks/messages.ts checkFanout) per timer firing; exchanges opened by kind ${kinds.join(' / ')}; ${ALLOWANCE_TEXT}`,
  };
  if (!periodMs) return noPeriod(info);
  // Without rounds, exchanges are told from replies by their opening kind
  // only: an IUT whose exchanges never open with it (memberlist's push-pull
  // ships whole stores as entries, no digest first) gives nothing to count.
  if (v.sends.some((s) => s.keys.length > 0) && !v.sends.some((s) => kinds.includes(s.kind)))
    return unsupported(
      info,
      `not judged by this setup: no envelope of kind ${kinds.join(' / ')} opens an exchange, so without rounds exchanges cannot be told from replies`,
    );
  const skip = unsettledWindows(v, periodMs);
  const opened = [...openedPerWindow(v, periodMs, kinds)].filter(([k]) => !skip.has(k));
  const over = opened.filter(([, c]) => c > limit);
  const max = Math.max(0, ...opened.map(([, c]) => c));
  return verdictOf(
    info,
    over.length === 0,
    {
      expected: `<= ${windowFirings()}·${perPeriod} = ${limit} exchanges opened per node per ${WINDOW_PERIODS} periods (${WINDOW_PERIODS * periodMs} ms)`,
      observed: over.length
        ? `${over.length} (node, window) pairs over the bound; max ${max}`
        : `max ${max} exchanges in a window (${(max / WINDOW_PERIODS).toFixed(2)} per period) over ${opened.length} (node, window) pairs`,
      details: over.slice(0, 10).map(([k, c]) => `${fmtWindow(k, periodMs)}: ${c} exchanges opened`),
    },
    opened.length,
  );
}

/** Direct mail sends at Update time only, so over the run at most (n-1)·(writes of k) envelopes carry k. */
export function checkDirectMailMs(v: HistoryView): Verdict {
  const writes = new Map<string, number>();
  for (const u of v.updates) writes.set(u.key, (writes.get(u.key) ?? 0) + 1);
  const carried = new Map<string, number>();
  for (const s of v.sends) for (const k of s.keys) carried.set(k, (carried.get(k) ?? 0) + 1);
  const over: string[] = [];
  for (const [k, c] of carried) {
    const cap = (v.n - 1) * (writes.get(k) ?? 0);
    if (c > cap)
      over.push(`key ${k}: ${c} envelopes carrying it for ${writes.get(k) ?? 0} write(s), allowed ${cap}`);
  }
  return verdictOf(
    { ...DIRECT_MAIL, source: `${DIRECT_MAIL.source}; over the whole run, since realtime has no rounds` },
    over.length === 0,
    {
      expected: `<= n-1 = ${v.n - 1} envelopes carrying a key per write of it`,
      observed: over.length
        ? `${count(over.length, 'key')} over the bound`
        : `${count(carried.size, 'key')} within the bound`,
      details: over.slice(0, 10),
    },
    [...carried.values()].reduce((a, c) => a + c, 0),
  );
}

export const CONTROL_TRAFFIC: CheckInfo = {
  id: 'bounds/control-traffic',
  requirement:
    'Control envelopes (kind `control`, no values) MUST stay within their own bound: per node and period at most one opened per other node, plus at most two for each control envelope the node was handed (its answer and one forward), counted per window of periods.',
  level: 'MUST',
  source:
    'run size n and declared period_ms: a membership layer probes one member and asks k <= n-2 others per protocol period (Das, Gupta, Motivala 2002 §3.1: ping, ping-req, each answered by an ack, a ping-req forwarded once), gossipsub sends one control RPC per peer per heartbeat (libp2p gossipsub v1.1, heartbeat; IWANT answers IHAVE)',
};

/** Who was handed each envelope id (duplicates: the original's destination). */
function deliveredTo(v: HistoryView): (e: EventOf<'deliver'>) => SendEvent | undefined {
  const byId = new Map<number, SendEvent>();
  const origin = new Map<number, number>();
  for (const s of v.sends) byId.set(s.id, s);
  for (const d of v.duplicates) origin.set(d.id, d.of);
  return (e) => byId.get(origin.get(e.id) ?? e.id);
}

export function checkControlTraffic(v: HistoryView): Verdict {
  const periodMs = periodOf(v);
  if (!periodMs) return noPeriod(CONTROL_TRAFFIC);
  const opened = windowFirings() * Math.max(0, v.n - 1);
  const sent = new Map<string, number>();
  const received = new Map<string, number>();
  for (const s of v.sends)
    if (s.kind === CONTROL_KIND) {
      const k = nodeWindow(s.from, windowOf(s.r, periodMs));
      sent.set(k, (sent.get(k) ?? 0) + 1);
    }
  const sendOf = deliveredTo(v);
  for (const e of v.events) {
    if (e.t !== 'deliver') continue;
    const s = sendOf(e);
    if (s?.kind !== CONTROL_KIND) continue;
    const k = nodeWindow(s.to, windowOf(e.r, periodMs));
    received.set(k, (received.get(k) ?? 0) + 1);
  }
  const skip = unsettledWindows(v, periodMs);
  const over: string[] = [];
  let judged = 0;
  for (const [k, c] of sent) {
    if (skip.has(k)) continue;
    judged++;
    // An answer may fall in the window after the envelope it answers: count the previous window's too.
    const [node, w] = k.split('\u0000');
    const handed = (received.get(k) ?? 0) + (received.get(nodeWindow(node, Number(w) - 1)) ?? 0);
    const cap = opened + 2 * handed;
    if (c > cap)
      over.push(
        `${fmtWindow(k, periodMs)}: ${c} control envelopes, allowed ${opened} + 2·${handed} = ${cap}`,
      );
  }
  return verdictOf(
    CONTROL_TRAFFIC,
    over.length === 0,
    {
      expected: `<= ${windowFirings()}·(n-1) = ${opened} + 2·(control envelopes handed to the node in the window and the one before), per ${WINDOW_PERIODS} periods`,
      observed: over.length
        ? `${over.length} (node, window) pairs over the bound`
        : judged
          ? `max ${maxOf(sent)} control envelopes from a node in a window (${(maxOf(sent) / WINDOW_PERIODS).toFixed(2)} per period)`
          : 'no control envelope sent',
      details: over.slice(0, 10),
    },
    // No control traffic is nothing to judge, not a pass; the check then says so (INCONCLUSIVE is filtered by the caller).
    judged,
  );
}

export const MESSAGES_PER_PERIOD: CheckInfo = {
  id: 'bounds/messages-per-period',
  requirement: 'Envelopes and bytes each node sends per gossip period, in total and by kind.',
  level: 'INFO',
  source:
    'measured; for scale, a node opens at most `fanout` exchanges per period (bounds/fanout) and, on average, is the peer of as many, each exchange a few envelopes (Demers et al. 1987 §1.3)',
};

export function checkMessagesPerPeriod(v: HistoryView): Verdict {
  const periodMs = periodOf(v);
  if (!periodMs) return noPeriod(MESSAGES_PER_PERIOD);
  const count = new Map<string, number>();
  const bytes = new Map<string, number>();
  const byKind = new Map<string, { count: number; bytes: number }>();
  for (const s of v.sends) {
    const k = nodeWindow(s.from, Math.floor(s.r / periodMs));
    count.set(k, (count.get(k) ?? 0) + 1);
    bytes.set(k, (bytes.get(k) ?? 0) + s.bytes);
    const b = byKind.get(s.kind || '(no kind)') ?? { count: 0, bytes: 0 };
    b.count++;
    b.bytes += s.bytes;
    byKind.set(s.kind || '(no kind)', b);
  }
  // Mean over every node and every period the run lasted, silent periods included.
  const periods = Math.max(1, Math.ceil((v.lastRound - v.firstRound) / periodMs)) * Math.max(1, v.n);
  const per = (x: number) => (x / periods).toFixed(2);
  return verdictOf(
    MESSAGES_PER_PERIOD,
    true,
    {
      expected: `measurement, periods of ${periodMs} ms, n = ${v.n}, fanout ${v.params!.fanout}`,
      observed: `${per(v.sends.length)} envelopes and ${per(v.sends.reduce((a, s) => a + s.bytes, 0))} bytes per node per period on average; max ${maxOf(count)} envelopes, ${maxOf(bytes)} bytes from one node in one period`,
      details: [...byKind.entries()]
        .sort((a, b) => b[1].count - a[1].count)
        .map(([kind, k]) => `${kind}: ${per(k.count)} envelopes, ${per(k.bytes)} bytes per node per period`),
    },
    v.sends.length,
  );
}

export const REDUNDANT_DELIVERIES: CheckInfo = {
  id: 'bounds/redundant-deliveries',
  requirement:
    'How many values delivered to a node it already held (that version or newer) before the envelope was sent, per node and window of periods.',
  level: 'INFO',
  source:
    'measured, not judged: bounds/no-redundant-values (lockstep) compares against the state at the start of a round, and a realtime run has no such instant (an exchange may cross a value learned elsewhere in flight); Demers et al. 1987 §1.3',
};

/**
 * Sound from the history: versions only go up between wiping restarts, so the
 * receiver held at least what its last read before the send showed, and the
 * sender sent at most what its first read after the send shows.
 */
export function checkRedundantDeliveries(v: HistoryView): Verdict {
  const periodMs = periodOf(v);
  if (!periodMs) return noPeriod(REDUNDANT_DELIVERIES);
  const sendOf = deliveredTo(v);
  const perWindow = new Map<string, number>();
  let shipped = 0;
  let redundant = 0;
  for (const e of v.events) {
    if (e.t !== 'deliver') continue;
    const s = sendOf(e);
    if (!s || s.keys.length === 0) continue;
    const held = stateAround(v, s.to, s.r, 'before');
    const sent = stateAround(v, s.from, s.r, 'after');
    for (const key of s.keys) {
      shipped++;
      const upper = sent?.get(key);
      if (!upper || !held) continue;
      if (holdsAtLeast(held.get(key), versionOf(upper))) {
        redundant++;
        const k = nodeWindow(s.to, windowOf(e.r, periodMs));
        perWindow.set(k, (perWindow.get(k) ?? 0) + 1);
      }
    }
  }
  return verdictOf(
    REDUNDANT_DELIVERIES,
    true,
    {
      expected: `measurement over ${shipped} delivered values`,
      observed: `${redundant} of ${shipped} delivered values (${shipped ? ((100 * redundant) / shipped).toFixed(1) : '0'}%) already held by the receiver before the send; max ${maxOf(perWindow)} to one node in a window of ${WINDOW_PERIODS} periods`,
      details: [...perWindow]
        .sort((a, b) => b[1] - a[1])
        .slice(0, 5)
        .map(([k, c]) => `${fmtWindow(k, periodMs)}: ${c} redundant values`),
    },
    shipped,
  );
}

type Entries = Map<string, EventOf<'read'>['entries'][number]>;

/**
 * A node's entries by its last read at or before `r` ('before'), or its first
 * read at or after `r` ('after'); undefined when a crash or a wiping restart
 * lies between (the bound then says nothing).
 */
function stateAround(v: HistoryView, node: NodeId, r: number, side: 'before' | 'after'): Entries | undefined {
  const items = v.timeline.get(node) ?? [];
  if (side === 'before') {
    for (let i = items.length - 1; i >= 0; i--) {
      const it = items[i];
      const at = it.t === 'read' ? it.read.r : it.r;
      if (at > r) continue;
      if (it.t === 'read') return new Map(it.read.entries.map((x) => [x[0], x]));
      if (it.t === 'crash' || !it.durable) return undefined;
    }
    return undefined;
  }
  for (const it of items) {
    const at = it.t === 'read' ? it.read.r : it.r;
    if (at < r) continue;
    if (it.t === 'read') return new Map(it.read.entries.map((x) => [x[0], x]));
    return undefined;
  }
  return undefined;
}
