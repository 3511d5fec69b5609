// What each fault of a run actually did, derived from its history alone (the
// recorders are untouched, so lockstep histories stay byte-identical). A
// fault window is a link fault's start..stop, a crash..restart or a
// pause..resume; its effects are the router's decisions the history records
// against it (engine/router/router.ts, its header is the oracle):
// - partition: envelopes dropped 'partition' on the edges it cuts; with the
//   direct transport (no envelopes pass the harness), the packets iptables
//   dropped on those edges ('counters');
// - loss: envelopes dropped 'loss' on its edges;
// - delay: envelopes on its edges the router held when they were sent
//   (beyond the network's own latency, a Maelstrom run's --latency);
// - duplicate / tamper: the extra / damaged copies made of envelopes on its edges;
// - reorder: envelopes on its edges handed to their destination before one
//   sent to it earlier (a delay's jitter inverting the same envelopes in the
//   same window counts too: the history does not name the cause);
// - crash: envelopes to the node dropped ('crashed', 'unreachable') while it
//   was down, and the entries it held when it crashed (state at stake);
// - pause: envelopes to the node held for it ('delay' when the batch was
//   taken) or lost to it ('unreachable') while it was paused.
// Joins and leaves are a membership case's operations, not faults: no window.
// The rule that uses this (which kinds count for which property) is in
// checks/fault-evidence.ts and docs/verdicts.md.
import { faultLabel } from '../engine/faults/label.js';
import type { LinkFault } from '../engine/faults/schedule.js';
import { edgeSelected } from '../engine/faults/shapes.js';
import type { EventOf, HistoryEvent } from '../engine/history/events.js';
import type { NodeId } from '../proto/contract.js';

export type FaultKind = LinkFault['kind'] | 'crash' | 'pause';

/** One fault over the time it was in force: [from, until), `until` undefined when it never stopped. */
export interface FaultWindow {
  kind: FaultKind;
  /** faultLabel for a link fault; "crash n1", "pause n2". */
  label: string;
  from: number;
  until?: number;
  /** The crashed or paused node. */
  node?: NodeId;
  /** The link fault, with the directed edges a partition cuts. */
  fault?: LinkFault;
  edges?: [NodeId, NodeId][];
}

/** What a fault did, by the names its evidence line uses. */
export type EffectName =
  | 'dropped'
  | 'packets dropped'
  | 'delayed'
  | 'duplicated'
  | 'tampered'
  | 'reordered'
  | 'held'
  | 'entries at stake';

export interface FaultEffect {
  window: FaultWindow;
  /** Only the effects that happened (count > 0), in EffectName order. */
  counts: Partial<Record<EffectName, number>>;
  /** The sum of counts: 0 is an inert fault. */
  total: number;
}

const EFFECT_ORDER: readonly EffectName[] = [
  'dropped',
  'packets dropped',
  'delayed',
  'duplicated',
  'tampered',
  'reordered',
  'held',
  'entries at stake',
];

const inWindow = (w: FaultWindow, r: number) => r >= w.from && (w.until === undefined || r < w.until);

/** The fault windows of a history, in the order they started. */
export function faultWindows(events: readonly HistoryEvent[]): FaultWindow[] {
  const out: FaultWindow[] = [];
  // A stop ends only what its own start began (nemesis rule): match on the fault's canonical JSON.
  const open = new Map<string, FaultWindow[]>();
  const startOf = (key: string, w: FaultWindow) => {
    out.push(w);
    open.set(key, [...(open.get(key) ?? []), w]);
  };
  const stopOf = (key: string, r: number) => {
    const w = open.get(key)?.shift();
    if (w) w.until = r;
  };
  for (const e of events) {
    if (e.t === 'fault') {
      const key = `link ${JSON.stringify(e.fault)}`;
      if (e.action === 'stop') stopOf(key, e.r);
      else
        startOf(key, {
          kind: e.fault.kind,
          label: faultLabel(e.fault),
          from: e.r,
          fault: e.fault,
          ...(e.fault.kind === 'partition' ? { edges: e.edges } : {}),
        });
    } else if (e.t === 'crash')
      startOf(`down ${e.node}`, { kind: 'crash', label: `crash ${e.node}`, from: e.r, node: e.node });
    else if (e.t === 'restart') stopOf(`down ${e.node}`, e.r);
    else if (e.t === 'pause') {
      const key = `pause ${e.node}`;
      if (e.action === 'stop') stopOf(key, e.r);
      else startOf(key, { kind: 'pause', label: `pause ${e.node}`, from: e.r, node: e.node });
    }
  }
  return out;
}

/** A partition window's cut edges as a set, built once: a halves cut of 1,000 nodes has 500,000. */
const cutSets = new WeakMap<FaultWindow, Set<string>>();
const edgeKey = (from: NodeId, to: NodeId) => `${from}\u0000${to}`;

/** Whether the window's link fault applies to the directed edge from -> to. */
function covers(w: FaultWindow, from: NodeId, to: NodeId): boolean {
  if (!w.fault) return false;
  if (w.fault.kind !== 'partition') return edgeSelected(w.fault.edges, from, to);
  let cut = cutSets.get(w);
  if (!cut) {
    cut = new Set((w.edges ?? []).map(([a, b]) => edgeKey(a, b)));
    cutSets.set(w, cut);
  }
  return cut.has(edgeKey(from, to));
}

/** Per window, what it did; windows in the order they started. */
export function faultEffects(events: readonly HistoryEvent[]): FaultEffect[] {
  const windows = faultWindows(events);
  const counts = windows.map(() => new Map<EffectName, number>());
  const add = (i: number, name: EffectName, k = 1) => counts[i].set(name, (counts[i].get(name) ?? 0) + k);
  const each = (kind: FaultKind, r: number, fn: (w: FaultWindow, i: number) => void) =>
    windows.forEach((w, i) => {
      if (w.kind === kind && inWindow(w, r)) fn(w, i);
    });

  const run = events.find((e): e is EventOf<'run'> => e.t === 'run');
  // The network's own latency (a Maelstrom run's --latency) delays every envelope with no fault event.
  const baseLatency = run?.maelstrom?.latencyMs ?? 0;
  /** Envelope id -> its send (a copy maps to its original's send). */
  const sent = new Map<number, EventOf<'send'>>();
  /** The ids of the envelope being sent and its copies: their 'delay' here is the router's decision at send. */
  let group: Set<number> | undefined;
  /** Per destination, the highest id handed to it so far. */
  const lastIn = new Map<NodeId, number>();
  /** Per node, the entries of its latest read. */
  const held = new Map<NodeId, number>();

  for (const e of events) {
    switch (e.t) {
      case 'send':
        sent.set(e.id, e);
        group = new Set([e.id]);
        break;
      case 'duplicate':
      case 'tamper': {
        const s = sent.get(e.of);
        if (s) sent.set(e.id, s);
        if (group?.has(e.of)) group.add(e.id);
        if (s)
          each(e.t, e.r, (w, i) => {
            if (covers(w, s.from, s.to)) add(i, e.t === 'duplicate' ? 'duplicated' : 'tampered');
          });
        break;
      }
      case 'drop': {
        const s = sent.get(e.id);
        if (!s) break;
        if (e.reason === 'partition' || e.reason === 'loss')
          each(e.reason, e.r, (w, i) => {
            if (covers(w, s.from, s.to)) add(i, 'dropped');
          });
        if (e.reason === 'crashed' || e.reason === 'unreachable')
          each('crash', e.r, (w, i) => {
            if (w.node === s.to) add(i, 'dropped');
          });
        if (e.reason === 'unreachable')
          each('pause', e.r, (w, i) => {
            if (w.node === s.to) add(i, 'dropped');
          });
        break;
      }
      case 'delay': {
        const s = sent.get(e.id);
        if (!s) break;
        // Held when sent (its send's group, under a delay covering the edge), or
        // when its batch was taken: for a paused destination (engine/router/router.ts
        // takeDue), or past the hop limit (carryOver: no fault's doing).
        const delays = windows.flatMap((w, i) =>
          w.kind === 'delay' && inWindow(w, e.r) && covers(w, s.from, s.to) ? [i] : [],
        );
        if (group?.has(e.id) && delays.length > 0) {
          if (e.until - e.r > baseLatency) for (const i of delays) add(i, 'delayed');
          break;
        }
        if (!group?.has(e.id)) group = undefined;
        each('pause', e.r, (w, i) => {
          if (w.node === s.to) add(i, 'held');
        });
        break;
      }
      case 'deliver': {
        group = undefined;
        const s = sent.get(e.id);
        if (!s) break;
        const last = lastIn.get(s.to) ?? 0;
        if (e.id < last)
          each('reorder', s.r, (w, i) => {
            if (covers(w, s.from, s.to)) add(i, 'reordered');
          });
        lastIn.set(s.to, Math.max(last, e.id));
        break;
      }
      case 'read':
        group = undefined;
        held.set(e.node, e.entries.length);
        break;
      case 'crash':
        group = undefined;
        each('crash', e.r, (w, i) => {
          if (w.node === e.node && w.from === e.r) add(i, 'entries at stake', held.get(e.node) ?? 0);
        });
        break;
      case 'counters':
        group = undefined;
        // Cumulative since the cluster started: each partition is credited with its edges' drops.
        for (const [from, to, packets] of e.dropped)
          windows.forEach((w, i) => {
            if (w.kind === 'partition' && packets > 0 && covers(w, from, to))
              add(i, 'packets dropped', packets);
          });
        break;
      default:
        group = undefined;
    }
  }
  return windows.map((window, i) => {
    const c: Partial<Record<EffectName, number>> = {};
    let total = 0;
    for (const name of EFFECT_ORDER) {
      const k = counts[i].get(name) ?? 0;
      if (k > 0) {
        c[name] = k;
        total += k;
      }
    }
    return { window, counts: c, total };
  });
}

/** "partition halves 12 dropped", "pause n2 3 held", "loss p=0.1 inert". */
export function effectLine(f: FaultEffect): string {
  const parts = EFFECT_ORDER.filter((n) => f.counts[n]).map((n) => `${f.counts[n]} ${n}`);
  return `${f.window.label} ${parts.length ? parts.join(', ') : 'inert'}`;
}
