// The nemesis: the one interpreter of a fault schedule, sans-I/O. It keeps
// which nodes are down (crashed, left, not yet joined) or paused, each node's
// generation and which link faults are in force, and turns each transition
// of the schedule (an event's start, or a window's stop) at time t into
//   - the history event to record (field order as engine/history/events.ts),
//   - a node action the driver performs on its backend (Init, Stop, pause...),
//   - for link faults, the change; `linkFaults()` is then what the network
//     applies (in schedule order: the Router draws its randomness in that order).
// Only the clock differs between drivers: lockstep asks for the transitions
// due at each round, realtime sets a timer per transition.
//
// Rules (the oracle of nemesis.test.ts):
//   - times before `earliest` (lockstep: round 1) count as `earliest`;
//   - a window [from, until) with from >= until does nothing;
//   - at equal times, window stops come first, then starts, each in schedule order;
//   - a stop ends only what its own start began;
//   - crash of a down node, restart or join of a node that is up, leave of
//     a down node: ignored (no event, no action);
//   - a node with a join event is down from the start; a restart is a new
//     generation (a fresh rngSeed; versions must not be reused);
//   - a crash while paused leaves the pause in force until its window ends.
import type { NodeId } from '../../proto/contract.js';
import type { HistoryEvent } from '../history/events.js';
import type { FaultSchedule, LinkFault, ScheduleEvent } from './schedule.js';
import { cutEdges } from './shapes.js';

/** One start or stop of a schedule event, at a time in the driver's units. */
export interface Transition {
  at: number;
  edge: 'start' | 'stop';
  /** The event's index in the schedule. */
  index: number;
  event: ScheduleEvent;
}

/** What the driver does to a node on its backend. */
export type NodeAction =
  /** Stop(crash); the node is down. */
  | { do: 'crash'; node: NodeId }
  /** Init again in `generation`, restoring durable state when `durable`. */
  | { do: 'restart'; node: NodeId; durable: boolean; generation: number }
  /** Freeze the node; envelopes to it wait until `until` (or the resume). */
  | { do: 'pause'; node: NodeId; until: number }
  | { do: 'resume'; node: NodeId }
  /** First Init of a node started late, in `generation`. */
  | { do: 'join'; node: NodeId; generation: number }
  /** Stop(clean); route what it returns; the node is down. */
  | { do: 'leave'; node: NodeId };

export type NemesisEvent = Extract<
  HistoryEvent,
  { t: 'fault' | 'crash' | 'restart' | 'pause' | 'join' | 'leave' }
>;

/** What one transition gives: the event to record and what to do. */
export interface Step {
  event: NemesisEvent;
  node?: NodeAction;
  /** A link fault started or stopped: the network applies `linkFaults()` again. */
  link?: { action: 'start' | 'stop'; fault: LinkFault; edges: [NodeId, NodeId][] };
}

/** The node side of a network: the Router and the wall-clock network both are one. */
export interface NodeNetwork {
  crash(node: NodeId): void;
  restart(node: NodeId): void;
  pause(node: NodeId, until: number): void;
  resume(node: NodeId): void;
}

/** Applies a node action to the network: a down node's envelopes are dropped, a paused one's held. */
export function applyToNetwork(net: NodeNetwork, a: NodeAction): void {
  switch (a.do) {
    case 'crash':
    case 'leave':
      net.crash(a.node);
      return;
    case 'restart':
    case 'join':
      net.restart(a.node);
      return;
    case 'pause':
      net.pause(a.node, a.until);
      return;
    case 'resume':
      net.resume(a.node);
      return;
  }
}

/** Every transition of `schedule`, in the order they apply (see the rules above). */
export function timeline(schedule: FaultSchedule, earliest: number): Transition[] {
  const out: Transition[] = [];
  schedule.forEach((event, index) => {
    if (event.type === 'link' || event.type === 'pause') {
      const from = Math.max(earliest, event.from);
      if (from >= event.until) return;
      out.push({ at: from, edge: 'start', index, event }, { at: event.until, edge: 'stop', index, event });
    } else out.push({ at: Math.max(earliest, event.at), edge: 'start', index, event });
  });
  const rank = (t: Transition) => (t.edge === 'stop' ? 0 : 1);
  return out.sort((a, b) => a.at - b.at || rank(a) - rank(b) || a.index - b.index);
}

export class Nemesis {
  readonly timeline: Transition[];
  private readonly crashed = new Set<NodeId>();
  /** Left, or not joined yet: down, but not for a heal to restart. */
  private readonly away = new Set<NodeId>();
  /** Paused node -> the index of the pause that froze it. */
  private readonly paused = new Map<NodeId, number>();
  private readonly generations = new Map<NodeId, number>();
  /** Indices of the link faults in force. */
  private readonly active = new Set<number>();
  /**
   * The edges each partition of the timeline cuts, found before the run (n^2
   * pairs: at n = 1,000 a realtime harness would stall on them mid-workload)
   * and given to its start and its stop.
   */
  private readonly cut = new Map<number, [NodeId, NodeId][]>();

  constructor(
    private readonly nodes: readonly NodeId[],
    private readonly schedule: FaultSchedule,
    earliest: number,
  ) {
    this.timeline = timeline(schedule, earliest);
    for (const e of schedule) if (e.type === 'join') this.away.add(e.node);
    for (const tr of this.timeline)
      if (tr.edge === 'start' && tr.event.type === 'link' && tr.event.fault.kind === 'partition')
        this.cut.set(tr.index, cutEdges(tr.event.fault, nodes));
  }

  /** The transitions at exactly `t` (lockstep: one round's). */
  due(t: number): Transition[] {
    return this.timeline.filter((x) => x.at === t);
  }

  isDown(node: NodeId): boolean {
    return this.crashed.has(node) || this.away.has(node);
  }

  isPaused(node: NodeId): boolean {
    return this.paused.has(node);
  }

  /** Down nodes, in node order. */
  down(): NodeId[] {
    return this.nodes.filter((n) => this.isDown(n));
  }

  /** Crashed nodes (not those that left or have not joined), in node order. */
  crashedNodes(): NodeId[] {
    return this.nodes.filter((n) => this.crashed.has(n));
  }

  pausedNodes(): NodeId[] {
    return this.nodes.filter((n) => this.paused.has(n));
  }

  generation(node: NodeId): number {
    return this.generations.get(node) ?? 0;
  }

  /** The link faults in force, in schedule order. */
  linkFaults(): LinkFault[] {
    const out: LinkFault[] = [];
    this.schedule.forEach((e, i) => {
      if (e.type === 'link' && this.active.has(i)) out.push(e.fault);
    });
    return out;
  }

  /** Applies one transition at time `t`; undefined when the rules ignore it. */
  apply(tr: Transition, t: number): Step | undefined {
    const e = tr.event;
    const start = tr.edge === 'start';
    switch (e.type) {
      case 'link': {
        if (start === this.active.has(tr.index)) return undefined;
        if (start) this.active.add(tr.index);
        else this.active.delete(tr.index);
        const action = start ? 'start' : 'stop';
        const edges = this.cut.get(tr.index) ?? cutEdges(e.fault, this.nodes);
        if (!start) this.cut.delete(tr.index);
        return {
          event: { t: 'fault', r: t, action, fault: e.fault, edges },
          link: { action, fault: e.fault, edges },
        };
      }
      case 'pause':
        if (start) {
          if (this.paused.has(e.node)) return undefined;
          this.paused.set(e.node, tr.index);
          return {
            event: { t: 'pause', r: t, node: e.node, action: 'start' },
            node: { do: 'pause', node: e.node, until: e.until },
          };
        }
        if (this.paused.get(e.node) !== tr.index) return undefined;
        this.paused.delete(e.node);
        return {
          event: { t: 'pause', r: t, node: e.node, action: 'stop' },
          node: { do: 'resume', node: e.node },
        };
      case 'crash':
        if (this.isDown(e.node)) return undefined;
        this.crashed.add(e.node);
        return { event: { t: 'crash', r: t, node: e.node }, node: { do: 'crash', node: e.node } };
      case 'restart': {
        if (!this.isDown(e.node)) return undefined;
        this.crashed.delete(e.node);
        this.away.delete(e.node);
        const generation = this.generation(e.node) + 1;
        this.generations.set(e.node, generation);
        return {
          event: { t: 'restart', r: t, node: e.node, durable: e.durable },
          node: { do: 'restart', node: e.node, durable: e.durable, generation },
        };
      }
      case 'join':
        if (!this.isDown(e.node)) return undefined;
        this.away.delete(e.node);
        this.crashed.delete(e.node);
        return {
          event: { t: 'join', r: t, node: e.node },
          node: { do: 'join', node: e.node, generation: this.generation(e.node) },
        };
      case 'leave':
        if (this.isDown(e.node)) return undefined;
        this.away.add(e.node);
        return { event: { t: 'leave', r: t, node: e.node }, node: { do: 'leave', node: e.node } };
    }
  }

  /**
   * The heal at `t` (realtime, after the workload): every link fault in
   * force stops, every paused node resumes, every crashed node restarts
   * (not durable), in that order.
   */
  heal(t: number): Step[] {
    const steps: Step[] = [];
    const push = (s: Step | undefined) => {
      if (s) steps.push(s);
    };
    for (const tr of this.timeline) {
      if (tr.edge === 'stop' && tr.event.type === 'link' && this.active.has(tr.index))
        push(this.apply(tr, t));
    }
    for (const tr of this.timeline) {
      if (tr.edge === 'stop' && tr.event.type === 'pause' && this.paused.get(tr.event.node) === tr.index)
        push(this.apply(tr, t));
    }
    for (const node of this.crashedNodes()) {
      push(
        this.apply(
          { at: t, edge: 'start', index: -1, event: { type: 'restart', at: t, node, durable: false } },
          t,
        ),
      );
    }
    return steps;
  }
}
