// One pass over a history that indexes what every checker needs: run info,
// live nodes, each node's read timeline, acks, sends, the last disturbance,
// and the round since which all live nodes hold identical state.

import { faultLabel } from '../engine/faults/label.js';
import type { EventOf, HistoryEvent, ReadEntry } from '../engine/history/events.js';
import {
  compareVersions,
  type NodeId,
  type Parameters,
  type Variant,
  type Version,
} from '../proto/contract.js';

export type ReadEvent = EventOf<'read'>;
export type SendEvent = EventOf<'send'>;

/** An event of a node's own timeline, with its index in the history. */
export type NodeItem =
  | { at: number; t: 'read'; read: ReadEvent }
  | { at: number; t: 'crash'; r: number }
  | { at: number; t: 'restart'; r: number; durable: boolean };

export interface Disturbance {
  round: number;
  what: string;
}

export interface HistoryView {
  events: HistoryEvent[];
  run?: EventOf<'run'>;
  init?: EventOf<'init'>;
  end?: EventOf<'end'>;
  variant?: Variant;
  params?: Parameters;
  nodes: NodeId[];
  n: number;
  firstRound: number;
  lastRound: number;
  errors: EventOf<'error'>[];
  updates: EventOf<'update'>[];
  /** With the history index of each ack. */
  acks: { at: number; ack: EventOf<'ack'> }[];
  sends: SendEvent[];
  /** Sends a Tick made: hop 0, between a 'tick' and the round's first 'deliver'. */
  initiated: SendEvent[];
  drops: EventOf<'drop'>[];
  duplicates: EventOf<'duplicate'>[];
  /** Damaged copies a tamper fault sent beside their originals. */
  tampered: EventOf<'tamper'>[];
  crashes: EventOf<'crash'>[];
  restarts: EventOf<'restart'>[];
  /** Envelope ids sent (or duplicated) but never delivered nor dropped. */
  inFlight: number[];
  /** Per node, its reads, crashes and restarts in history order. */
  timeline: Map<NodeId, NodeItem[]>;
  /** Per node, its last read (the final one for live nodes). */
  lastRead: Map<NodeId, ReadEvent>;
  /** Nodes whose last crash is not followed by a restart are not live. */
  live: NodeId[];
  lastUpdateRound?: number;
  lastDisturbance: Disturbance;
  /** Link faults and pauses still active when the history ends. */
  unhealed: string[];
  /** Earliest round from which all live nodes hold identical entries to the end. */
  convergedSince?: number;
  /** Per finished round, whether all live nodes held identical entries then. */
  convergedAt: Map<number, boolean>;
}

export function versionOf(e: ReadEntry): Version {
  return { counter: e[2], origin: e[3] };
}

export function fmtVersion(v: Version): string {
  return `${v.counter}@${v.origin}`;
}

export function fmtEntry(e: ReadEntry | undefined): string {
  return e ? `${e[1]} v${fmtVersion(versionOf(e))}` : '(absent)';
}

/** Entries (key, value, version) as a canonical string; SIR status is ignored. */
export function stateKey(entries: ReadEntry[]): string {
  return [...entries]
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .map((e) => JSON.stringify([e[0], e[1], e[2], e[3]]))
    .join('\n');
}

export function entryMap(entries: ReadEntry[]): Map<string, ReadEntry> {
  return new Map(entries.map((e) => [e[0], e]));
}

/** True when `e` holds `key` at a version >= `v`. */
export function holdsAtLeast(e: ReadEntry | undefined, v: Version): boolean {
  return e !== undefined && compareVersions(versionOf(e), v) >= 0;
}

export function buildView(events: HistoryEvent[]): HistoryView {
  const v: HistoryView = {
    events,
    nodes: [],
    n: 0,
    firstRound: Number.POSITIVE_INFINITY,
    lastRound: 0,
    errors: [],
    updates: [],
    acks: [],
    sends: [],
    initiated: [],
    drops: [],
    duplicates: [],
    tampered: [],
    crashes: [],
    restarts: [],
    inFlight: [],
    timeline: new Map(),
    lastRead: new Map(),
    live: [],
    lastDisturbance: { round: 0, what: 'start of run' },
    unhealed: [],
    convergedAt: new Map(),
  };
  const disturb = (round: number, what: string) => {
    if (round >= v.lastDisturbance.round) v.lastDisturbance = { round, what };
  };
  const item = (node: NodeId, it: NodeItem) => {
    let list = v.timeline.get(node);
    if (!list) {
      list = [];
      v.timeline.set(node, list);
    }
    list.push(it);
  };
  const activeFaults = new Map<string, number>();
  const activeDelayFaults = () =>
    [...activeFaults.entries()].some(([k, c]) => c > 0 && JSON.parse(k).kind === 'delay');
  const paused = new Set<NodeId>();
  // A node that joins later is down (not a member) until its join.
  const down = new Set<NodeId>(events.flatMap((e) => (e.t === 'join' ? [e.node] : [])));
  const pending = new Set<number>();
  const state = new Map<NodeId, string>();
  const rounds: { r: number; down: Set<NodeId>; state: Map<NodeId, string> }[] = [];
  let curRound: number | undefined;
  let inTickWindow = false;
  const closeRound = () => {
    if (curRound !== undefined) rounds.push({ r: curRound, down: new Set(down), state: new Map(state) });
  };

  events.forEach((e, at) => {
    if ('r' in e) {
      if (curRound !== undefined && e.r !== curRound) closeRound();
      curRound = e.r;
      v.firstRound = Math.min(v.firstRound, e.r);
      v.lastRound = Math.max(v.lastRound, e.r);
    }
    if (e.t !== 'send' && e.t !== 'drop' && e.t !== 'delay' && e.t !== 'duplicate' && e.t !== 'tamper')
      inTickWindow = false;
    switch (e.t) {
      case 'run':
        v.run = e;
        v.params = e.params;
        v.variant = e.params.variant;
        v.nodes = [...e.nodes];
        v.n = e.nodes.length;
        break;
      case 'init':
        v.init = e;
        break;
      case 'end':
        v.end = e;
        break;
      case 'error':
        v.errors.push(e);
        break;
      case 'tick':
        inTickWindow = true;
        break;
      case 'update':
        v.updates.push(e);
        v.lastUpdateRound = Math.max(v.lastUpdateRound ?? e.r, e.r);
        disturb(e.r, `update ${e.key} at ${e.node}`);
        break;
      case 'ack':
        v.acks.push({ at, ack: e });
        break;
      case 'send':
        v.sends.push(e);
        if (inTickWindow && e.hop === 0) v.initiated.push(e);
        pending.add(e.id);
        break;
      case 'duplicate':
        v.duplicates.push(e);
        pending.add(e.id);
        break;
      case 'tamper':
        v.tampered.push(e);
        pending.add(e.id);
        break;
      case 'deliver':
        pending.delete(e.id);
        break;
      case 'drop':
        v.drops.push(e);
        pending.delete(e.id);
        break;
      case 'delay':
        // Envelopes a delay fault holds back disturb the network until released.
        if (activeDelayFaults()) disturb(e.until, `envelope ${e.id} delayed until round ${e.until}`);
        break;
      case 'fault': {
        const key = JSON.stringify(e.fault);
        const c = activeFaults.get(key) ?? 0;
        activeFaults.set(key, e.action === 'start' ? c + 1 : Math.max(0, c - 1));
        if (e.action === 'stop') disturb(e.r, `${faultLabel(e.fault)} stopped`);
        break;
      }
      case 'crash':
        v.crashes.push(e);
        down.add(e.node);
        item(e.node, { at, t: 'crash', r: e.r });
        disturb(e.r, `crash of ${e.node}`);
        break;
      case 'restart':
        v.restarts.push(e);
        down.delete(e.node);
        if (!e.durable) state.set(e.node, '');
        item(e.node, { at, t: 'restart', r: e.r, durable: e.durable });
        disturb(e.r, `${e.durable ? 'durable' : 'non-durable'} restart of ${e.node}`);
        break;
      // A member that left is gone like a crashed one: not live unless it comes back.
      case 'leave':
        down.add(e.node);
        disturb(e.r, `leave of ${e.node}`);
        break;
      case 'join':
        down.delete(e.node);
        disturb(e.r, `join of ${e.node}`);
        break;
      case 'pause':
        if (e.action === 'start') paused.add(e.node);
        else {
          paused.delete(e.node);
          disturb(e.r, `pause of ${e.node} stopped`);
        }
        break;
      case 'read':
        state.set(e.node, stateKey(e.entries));
        v.lastRead.set(e.node, e);
        item(e.node, { at, t: 'read', read: e });
        break;
      case 'round':
        break;
    }
  });
  closeRound();
  if (!Number.isFinite(v.firstRound)) v.firstRound = 0;
  if (v.lastDisturbance.what === 'start of run') v.lastDisturbance.round = v.firstRound;

  v.live = v.nodes.filter((n) => !down.has(n));
  v.inFlight = [...pending];
  for (const [k, c] of activeFaults) {
    if (c > 0) v.unhealed.push(`${faultLabel(JSON.parse(k))} still active at the end`);
  }
  for (const p of paused) v.unhealed.push(`${p} still paused at the end`);

  // Converged at round r: every node live at the end is up and holds the same entries.
  for (const { r, down: d, state: s } of rounds) {
    const first = s.get(v.live[0]) ?? '';
    v.convergedAt.set(
      r,
      v.live.every((n) => !d.has(n) && (s.get(n) ?? '') === first),
    );
  }
  for (let i = rounds.length - 1; i >= 0; i--) {
    if (!v.convergedAt.get(rounds[i].r)) break;
    v.convergedSince = rounds[i].r;
  }
  return v;
}
