// What the plots show, computed from one run of a history (reports never
// recompute verdicts; these are pictures of the recorded events).
import { faultLabel } from '../../engine/faults/label.js';
import type { HistoryEvent, ReadEntry } from '../../engine/history/events.js';

export type RunEvent = Extract<HistoryEvent, { t: 'run' }>;

/** One run of a history file: its 'run' event and every event up to the next 'run'. */
export interface RunBlock {
  run: RunEvent;
  events: HistoryEvent[];
}

/** The runs of a history file, each starting with a 'run' event (events before the first are dropped). */
export function splitRuns(events: readonly HistoryEvent[]): RunBlock[] {
  const blocks: RunBlock[] = [];
  for (const e of events) {
    if (e.t === 'run') blocks.push({ run: e, events: [e] });
    else blocks[blocks.length - 1]?.events.push(e);
  }
  return blocks;
}

/** The block whose scenario equals `scenario` when given and present, else the first. */
export function selectRun(events: readonly HistoryEvent[], scenario?: string): RunBlock | undefined {
  const blocks = splitRuns(events);
  if (scenario !== undefined) {
    const match = blocks.find((b) => b.run.scenario === scenario);
    if (match) return match;
  }
  return blocks[0];
}

/** The last round (or ms, realtime) any event of the run mentions. */
export function lastRound(block: RunBlock): number {
  let last = 0;
  for (const e of block.events) if ('r' in e && e.r > last) last = e.r;
  return last;
}

export interface Point {
  x: number;
  y: number;
}

export interface InformedSeries {
  /** 'key' (newest version of the first written key) or 'push-sum' (estimate near the average). */
  measure: 'key' | 'push-sum';
  /** What was measured, for the caption: the key, or the average. */
  subject: string;
  /** The key is the one a check named (not the first written). */
  focused: boolean;
  /** The round of the first write (key) or 0 (push-sum). */
  start: number;
  /** Live nodes when the measure started. */
  nodes: number;
  points: Point[];
}

type Version = { counter: number; origin: string };

/** Last-writer-wins order: counter first, ties to the greater origin (README: Versions). */
function newer(a: Version, b: Version): boolean {
  return a.counter > b.counter || (a.counter === b.counter && a.origin > b.origin);
}

/**
 * Fraction of live nodes informed at the end of every round from the first
 * write on. A node is informed when it holds the first written key at a
 * version at least as new as the newest acknowledged so far; for push-sum,
 * when its estimate is within 1e-6·max(1, |avg|) of the true average of the
 * initial values. Reads are recorded only on change, so each node's last read
 * carries forward; a crashed node is not live until it restarts.
 */
export function informedSeries(block: RunBlock, focusKey?: string): InformedSeries | undefined {
  const pushSum = block.run.params.variant === 'push-sum';
  const values = block.run.values;
  const avg = values.length ? values.reduce((a, b) => a + b, 0) / values.length : 0;
  const tol = 1e-6 * Math.max(1, Math.abs(avg));
  // A failing check names its key: plot that one; otherwise the first written.
  const focused = block.events.find((e) => e.t === 'update' && focusKey !== undefined && e.key === focusKey);
  const firstUpdate = focused ?? block.events.find((e) => e.t === 'update');
  if (!pushSum && !firstUpdate) return undefined;
  const key = firstUpdate && firstUpdate.t === 'update' ? firstUpdate.key : '';
  const start = pushSum ? 0 : (firstUpdate as { r: number }).r;
  const live = new Set(block.run.nodes);
  const held = new Map<string, Version>();
  const estimate = new Map<string, number>();
  let newest: Version | undefined;
  const points: Point[] = [];
  let round = -1;
  let startNodes = live.size;
  const close = () => {
    if (round < start || live.size === 0) return;
    let informed = 0;
    for (const n of live) {
      if (pushSum) {
        const est = estimate.get(n);
        if (est !== undefined && Math.abs(est - avg) <= tol) informed++;
      } else {
        const v = held.get(n);
        if (v && newest && !newer(newest, v)) informed++;
      }
    }
    if (round === start) startNodes = live.size;
    points.push({ x: round, y: informed / live.size });
  };
  for (const e of block.events) {
    switch (e.t) {
      case 'round':
        close();
        round = e.r;
        break;
      case 'crash':
        live.delete(e.node);
        held.delete(e.node);
        estimate.delete(e.node);
        break;
      case 'restart':
        live.add(e.node);
        break;
      case 'ack':
        if (e.key === key && (!newest || newer(e.version, newest))) newest = e.version;
        break;
      case 'read': {
        if (pushSum) estimate.set(e.node, e.estimate);
        else {
          const entry = e.entries.find((x: ReadEntry) => x[0] === key);
          if (entry) held.set(e.node, { counter: entry[2], origin: entry[3] });
          else held.delete(e.node);
        }
        break;
      }
      case 'end':
        close();
        round = Number.NaN;
        break;
    }
  }
  if (!Number.isNaN(round)) close();
  return {
    measure: pushSum ? 'push-sum' : 'key',
    subject: pushSum ? `average ${avg.toPrecision(6)}` : key,
    focused: !pushSum && focused !== undefined,
    start,
    nodes: startNodes,
    points,
  };
}

/** Envelopes sent per round (realtime: per bucket of ms, see `bucket`), and bytes. */
export function messageSeries(block: RunBlock): { messages: Point[]; bytes: Point[] } {
  const count = new Map<number, number>();
  const bytes = new Map<number, number>();
  for (const e of block.events) {
    if (e.t !== 'send') continue;
    count.set(e.r, (count.get(e.r) ?? 0) + 1);
    bytes.set(e.r, (bytes.get(e.r) ?? 0) + e.bytes);
  }
  const last = lastRound(block);
  const first = block.run.mode === 'realtime' ? 0 : 1;
  const messages: Point[] = [];
  const size: Point[] = [];
  if (block.run.mode === 'realtime') {
    for (const [x, y] of [...count].sort((a, b) => a[0] - b[0])) messages.push({ x, y });
    for (const [x, y] of [...bytes].sort((a, b) => a[0] - b[0])) size.push({ x, y });
    return { messages, bytes: size };
  }
  for (let r = first; r <= last; r++) {
    messages.push({ x: r, y: count.get(r) ?? 0 });
    size.push({ x: r, y: bytes.get(r) ?? 0 });
  }
  return { messages, bytes: size };
}

/** A fault active over [from, until): a link fault, a crash (until restart) or a pause. */
export interface FaultWindow {
  kind: 'link' | 'crash' | 'pause';
  /** A one-line label: "partition halves", "loss p=0.2", "crash n3". */
  label: string;
  from: number;
  /** Exclusive; the run's end + 1 when the fault never stopped. */
  until: number;
  /** The directed edges a partition cut (empty for other link faults). */
  edges: [string, string][];
  /** Crash and pause: the node. */
  node?: string;
  /** Link faults other than partitions: the edges they apply to, described. */
  scope?: string;
}

function scopeOf(f: Extract<HistoryEvent, { t: 'fault' }>['fault']): string | undefined {
  if (f.kind === 'partition') return undefined;
  const sel = f.edges;
  if (!sel || (!sel.from && !sel.to)) return 'all edges';
  return `from ${sel.from?.join(',') ?? 'any'} to ${sel.to?.join(',') ?? 'any'}`;
}

/** Every fault window of the run, from 'fault', 'crash'/'restart' and 'pause' events. */
export function faultWindows(block: RunBlock): FaultWindow[] {
  const end = lastRound(block) + 1;
  const windows: FaultWindow[] = [];
  const openLinks = new Map<string, FaultWindow[]>();
  const openCrash = new Map<string, FaultWindow>();
  const openPause = new Map<string, FaultWindow>();
  for (const e of block.events) {
    if (e.t === 'fault') {
      const id = JSON.stringify(e.fault);
      if (e.action === 'start') {
        const w: FaultWindow = {
          kind: 'link',
          label: faultLabel(e.fault),
          from: e.r,
          until: end,
          edges: (e.edges ?? []).map(([a, b]) => [String(a), String(b)]),
          scope: scopeOf(e.fault),
        };
        windows.push(w);
        const list = openLinks.get(id) ?? [];
        list.push(w);
        openLinks.set(id, list);
      } else {
        const w = openLinks.get(id)?.shift();
        if (w) w.until = e.r;
      }
    } else if (e.t === 'crash') {
      const w: FaultWindow = {
        kind: 'crash',
        label: `crash ${e.node}`,
        from: e.r,
        until: end,
        edges: [],
        node: e.node,
      };
      windows.push(w);
      openCrash.set(e.node, w);
    } else if (e.t === 'restart') {
      const w = openCrash.get(e.node);
      if (w) {
        w.until = e.r;
        w.label = `crash ${e.node}, restart ${e.durable ? 'durable' : 'volatile'}`;
        openCrash.delete(e.node);
      }
    } else if (e.t === 'pause') {
      if (e.action === 'start') {
        const w: FaultWindow = {
          kind: 'pause',
          label: `pause ${e.node}`,
          from: e.r,
          until: end,
          edges: [],
          node: e.node,
        };
        windows.push(w);
        openPause.set(e.node, w);
      } else {
        const w = openPause.get(e.node);
        if (w) w.until = e.r;
        openPause.delete(e.node);
      }
    }
  }
  return windows;
}

/** One envelope's life, for the space-time diagram. */
export interface EnvelopeTrace {
  id: number;
  from: string;
  to: string;
  kind: string;
  sent: { r: number; hop: number };
  delivered?: { r: number; hop: number };
  dropped?: { r: number; reason: string };
  /** A duplicate of envelope `of`. */
  duplicateOf?: number;
}

/** Every envelope of the run with its send, delivery or drop. */
export function envelopes(block: RunBlock): EnvelopeTrace[] {
  const byId = new Map<number, EnvelopeTrace>();
  const out: EnvelopeTrace[] = [];
  for (const e of block.events) {
    if (e.t === 'send') {
      const t: EnvelopeTrace = {
        id: e.id,
        from: e.from,
        to: e.to,
        kind: e.kind,
        sent: { r: e.r, hop: e.hop },
      };
      byId.set(e.id, t);
      out.push(t);
    } else if (e.t === 'duplicate') {
      const of = byId.get(e.of);
      if (!of) continue;
      const t: EnvelopeTrace = {
        ...of,
        id: e.id,
        duplicateOf: e.of,
        delivered: undefined,
        dropped: undefined,
      };
      t.sent = { ...of.sent };
      byId.set(e.id, t);
      out.push(t);
    } else if (e.t === 'deliver') {
      const t = byId.get(e.id);
      if (t && !t.delivered) t.delivered = { r: e.r, hop: e.hop };
    } else if (e.t === 'drop') {
      const t = byId.get(e.id);
      if (t && !t.dropped) t.dropped = { r: e.r, reason: e.reason };
    }
  }
  return out;
}
