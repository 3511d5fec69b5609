// The MembershipView the membership/… checks read: per node its views by
// round, and when each member went down and came up, built from a lockstep
// history; and the queries the checks make of it.

import type { LinkFault } from '../../engine/faults/schedule.js';
import type { EventOf, HistoryEvent } from '../../engine/history/events.js';
import type { MemberStatus, MembershipParams, NodeId } from '../../proto/contract.js';
import { type CheckInfo, type Verdict, verdictOf } from '../verdict.js';

type View = Map<NodeId, [MemberStatus, number]>;

/** Per node, its views by round (a read is recorded only when the view changed), and when it was up. */
export interface MembershipView {
  n: number;
  nodes: NodeId[];
  params?: MembershipParams;
  lastRound: number;
  completed: boolean;
  /** Per node, [round, view] in order. */
  views: Map<NodeId, [number, View][]>;
  /** Per node, the rounds it went down (crash or leave) and came up (join or restart). */
  downs: { node: NodeId; r: number; how: 'crash' | 'leave' }[];
  ups: { node: NodeId; r: number; how: 'join' | 'restart' }[];
  /** Nodes never down in the run (not counting pauses). */
  steady: NodeId[];
  /** Nodes up at the end. */
  live: NodeId[];
  pauses: EventOf<'pause'>[];
  sends: EventOf<'send'>[];
  ticks: EventOf<'tick'>[];
  faults: EventOf<'fault'>[];
  /** When each envelope (by send id) was delivered. */
  deliveredAt: Map<number, number>;
}

export function membershipView(events: readonly HistoryEvent[]): MembershipView {
  const v: MembershipView = {
    n: 0,
    nodes: [],
    lastRound: 0,
    completed: false,
    views: new Map(),
    downs: [],
    ups: [],
    steady: [],
    live: [],
    pauses: [],
    sends: [],
    ticks: [],
    faults: [],
    deliveredAt: new Map(),
  };
  const down = new Set<NodeId>();
  const ever = new Set<NodeId>();
  for (const e of events) {
    if ('r' in e) v.lastRound = Math.max(v.lastRound, e.r);
    switch (e.t) {
      case 'run':
        v.nodes = e.nodes.slice();
        v.n = e.nodes.length;
        v.params = e.params.membership;
        break;
      case 'end':
        v.completed = e.reason === 'completed';
        break;
      case 'crash':
      case 'leave':
        v.downs.push({ node: e.node, r: e.r, how: e.t });
        down.add(e.node);
        ever.add(e.node);
        break;
      case 'join':
      case 'restart':
        v.ups.push({ node: e.node, r: e.r, how: e.t });
        down.delete(e.node);
        if (e.t === 'join') ever.add(e.node);
        break;
      case 'pause':
        v.pauses.push(e);
        break;
      case 'send':
        v.sends.push(e);
        break;
      case 'tick':
        v.ticks.push(e);
        break;
      case 'fault':
        v.faults.push(e);
        break;
      case 'deliver':
        if (!v.deliveredAt.has(e.id)) v.deliveredAt.set(e.id, e.r);
        break;
      case 'read': {
        const view: View = new Map((e.members ?? []).map(([m, s, i]) => [m, [s, i]]));
        const list = v.views.get(e.node) ?? [];
        list.push([e.r, view]);
        v.views.set(e.node, list);
        break;
      }
    }
  }
  v.live = v.nodes.filter((x) => !down.has(x));
  v.steady = v.nodes.filter((x) => !ever.has(x));
  return v;
}

/** `node`'s view of `member` after round r's reads (undefined: not heard of, or no read yet). */
export function heldAt(
  v: MembershipView,
  node: NodeId,
  member: NodeId,
  r: number,
): [MemberStatus, number] | undefined {
  let held: [MemberStatus, number] | undefined;
  for (const [rr, view] of v.views.get(node) ?? []) {
    if (rr > r) break;
    held = view.get(member);
  }
  return held;
}

/** First round >= from at which `node` holds `member` with a status in `want`, or undefined. */
export function firstHolding(
  v: MembershipView,
  node: NodeId,
  member: NodeId,
  from: number,
  want: readonly MemberStatus[],
): number | undefined {
  const h = heldAt(v, node, member, from);
  if (h && want.includes(h[0])) return from;
  for (const [rr, view] of v.views.get(node) ?? []) {
    if (rr <= from) continue;
    const x = view.get(member);
    if (x && want.includes(x[0])) return rr;
  }
  return undefined;
}

/** Rounds in [from, to] at which `node` held `member` with status `s` (first one). */
export function everHeld(
  v: MembershipView,
  node: NodeId,
  member: NodeId,
  from: number,
  to: number,
  s: MemberStatus,
): number | undefined {
  const h = heldAt(v, node, member, from);
  if (h && h[0] === s) return from;
  for (const [rr, view] of v.views.get(node) ?? []) {
    if (rr <= from || rr > to) continue;
    if (view.get(member)?.[0] === s) return rr;
  }
  return undefined;
}

/** Nodes up over the whole window [from, to] (never down in it). */
export function upThroughout(v: MembershipView, from: number, to: number): NodeId[] {
  return v.nodes.filter((x) => {
    let up = !v.ups.some((u) => u.node === x && u.how === 'join' && u.r > 0);
    for (const e of [...v.downs.map((d) => ({ ...d, up: false })), ...v.ups.map((u) => ({ ...u, up: true }))]
      .filter((e) => e.node === x)
      .sort((a, b) => a.r - b.r)) {
      if (e.r <= from) up = e.up;
      else if (e.r <= to) return false;
    }
    return up;
  });
}

export function noParams(info: CheckInfo): Verdict {
  return verdictOf(
    info,
    true,
    { expected: 'a membership-swim run', observed: 'no membership parameters in the run', details: [] },
    0,
  );
}

/** The views of the members up at the end, as one comparable string each. */
function finalViews(v: MembershipView, at: number): Map<NodeId, string> {
  const out = new Map<NodeId, string>();
  for (const x of v.live) {
    const held: string[] = [];
    for (const m of v.nodes) {
      const h = heldAt(v, x, m, at);
      held.push(h ? `${m}:${h[0]}@${h[1]}` : `${m}:-`);
    }
    out.set(x, held.join(' '));
  }
  return out;
}

/**
 * The live members' views after round `at`'s reads, and what keeps them from
 * being healed: more than one view, or a live member not held alive.
 * Shared by partition-heal in lockstep (rounds) and realtime (ms) form.
 */
export function viewsAtHeal(
  v: MembershipView,
  at: number,
  when = `round ${at}`,
): { views: Map<NodeId, string>; distinct: number; bad: string[] } {
  const views = finalViews(v, at);
  const distinct = new Set(views.values()).size;
  const bad: string[] = [];
  if (distinct > 1) for (const [x, s] of views) bad.push(`${x}: ${s}`);
  for (const [x, s] of views) {
    for (const m of v.live)
      if (!s.includes(`${m}:alive@`)) bad.push(`${x} does not hold ${m} alive at ${when}`);
  }
  return { views, distinct, bad };
}

/**
 * Link faults that cut or hold traffic on purpose (a partition, a one-way cut
 * as loss 1, a delay): the suspicions they cause are the fault's doing, not
 * chance's, so their windows are excluded like a pause. Loss below 1 is the
 * chance the bound is about; duplicates, reordering and tampered copies beside
 * an envelope lose nothing.
 */
export const holdsTraffic = (f: LinkFault): boolean =>
  f.kind === 'partition' || f.kind === 'delay' || (f.kind === 'loss' && f.probability >= 1);

/**
 * Whether traffic was held on purpose at some time in [from, to]: a fault
 * that holds it (holdsTraffic) or a pause in force then. A bound on spreading
 * (join, leave, rejoin) is not judged over such a window: the fault, not the
 * member, decides when the news gets through. (Lockstep runs of those cases
 * draw no such fault.)
 */
export function trafficHeld(v: MembershipView, from: number, to: number): boolean {
  const intervals: [number, number][] = [];
  const open = new Map<string, number[]>();
  const toggle = (key: string, start: boolean, r: number) => {
    if (start) open.set(key, [...(open.get(key) ?? []), r]);
    else {
      const s = open.get(key)?.shift();
      if (s !== undefined) intervals.push([s, r]);
    }
  };
  for (const e of v.pauses) toggle(`pause ${e.node}`, e.action === 'start', e.r);
  for (const f of v.faults)
    if (holdsTraffic(f.fault)) toggle(JSON.stringify(f.fault), f.action === 'start', f.r);
  for (const rs of open.values()) for (const r of rs) intervals.push([r, Number.POSITIVE_INFINITY]);
  return intervals.some(([a, b]) => a <= to && b >= from);
}
