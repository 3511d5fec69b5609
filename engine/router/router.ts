// The network of a lockstep run, as a sans-I/O state machine. Every envelope a
// node sends enters here; the router numbers it, applies the link faults
// active in the current round per directed edge, and says what happened as
// history events. It never calls a node: the runner takes the due batch and
// delivers it.
//
// Decisions, in this order, when an envelope is sent (`send`):
//   1. destination not a node of the run  -> drop 'unknown-node'
//   2. destination crashed                -> drop 'crashed'
//   3. a partition cuts the edge          -> drop 'partition'
//   4. each covering loss fault, chance p -> drop 'loss'
//   5. each covering duplicate fault, chance p -> one extra copy with a fresh id
//      ('duplicate' event); copies are never lost or duplicated again
//   6. each covering tamper fault, chance p -> one damaged copy with a fresh id
//      ('tamper' event), handed to the original's destination endpoint
//   7. each copy (original first): delay = sum over covering delay faults of
//      latency + uniform integer in [0, jitter]; > 0 -> 'delay' until r + delay,
//      else due now.
// When the due batch is taken (`takeDue`), crash and partition are checked
// again against the current state (drop), envelopes to a paused node are held
// until the pause ends ('delay'), and the envelopes on edges a reorder fault
// covers are shuffled among their own positions in the batch.
// Random draws come only from the router's Rng and only when a fault applies,
// in send order, so a run without faults draws nothing.
import type { Envelope, NodeId } from '../../proto/contract.js';
import type { Rng } from '../../shared/prng.js';
import { GARBAGE_PREFIX, type LinkFault, type TamperHow } from '../faults/schedule.js';
import { edgeSelected, partitionPredicate } from '../faults/shapes.js';
import type { EventOf } from '../history/events.js';

/** An envelope in the network, under the id the router gave it. */
export interface InFlight {
  id: number;
  env: Envelope;
  /** A tampered copy: the node whose endpoint receives it (its `to` may name no node), and what was done. */
  tampered?: { via: NodeId; of: number };
}

/** The node whose endpoint an envelope is handed to. */
export const destinationOf = (item: InFlight): NodeId => item.tampered?.via ?? item.env.to;

export type RouterEvent =
  | EventOf<'send'>
  | EventOf<'drop'>
  | EventOf<'delay'>
  | EventOf<'duplicate'>
  | EventOf<'tamper'>;

export interface DueBatch {
  /** Drops and holds decided when the batch was taken; record before delivering. */
  events: RouterEvent[];
  /** Envelopes to deliver now, in delivery order. */
  batch: InFlight[];
}

export class Router {
  private round = 0;
  private lastId = 0;
  private readonly known: Set<NodeId>;
  private faults: LinkFault[] = [];
  private cuts: ((from: NodeId, to: NodeId) => boolean)[] = [];
  private readonly crashed = new Set<NodeId>();
  /** Paused node -> the round its pause ends. */
  private readonly paused = new Map<NodeId, number>();
  private due: InFlight[] = [];
  private readonly later = new Map<number, InFlight[]>();

  constructor(
    nodes: readonly NodeId[],
    private readonly rng: Rng,
  ) {
    this.known = new Set(nodes);
  }

  /** The current round. */
  get r(): number {
    return this.round;
  }

  /**
   * Starts round `r` with the link faults active in it; envelopes held until
   * `r` (or earlier) join the due batch ahead of anything sent in `r`.
   */
  beginRound(r: number, faults: readonly LinkFault[]): void {
    this.round = r;
    this.setFaults(faults);
    const rounds = [...this.later.keys()].filter((u) => u <= r).sort((a, b) => a - b);
    const held: InFlight[] = [];
    for (const u of rounds) {
      held.push(...(this.later.get(u) ?? []));
      this.later.delete(u);
    }
    this.due = held.concat(this.due);
  }

  /** Replaces the active link faults (normally via `beginRound`). */
  setFaults(faults: readonly LinkFault[]): void {
    // The same faults again (every realtime beginRound): nothing to rebuild, a partition's predicate is O(n).
    if (faults.length === this.faults.length && faults.every((f, i) => f === this.faults[i])) return;
    this.faults = faults.slice();
    this.cuts = [];
    for (const f of this.faults) if (f.kind === 'partition') this.cuts.push(partitionPredicate(f));
  }

  crash(node: NodeId): void {
    this.crashed.add(node);
  }

  restart(node: NodeId): void {
    this.crashed.delete(node);
  }

  /** Pauses `node` until round `until` (exclusive): envelopes to it wait. */
  pause(node: NodeId, until: number): void {
    this.paused.set(node, until);
  }

  resume(node: NodeId): void {
    this.paused.delete(node);
  }

  isCrashed(node: NodeId): boolean {
    return this.crashed.has(node);
  }

  isPaused(node: NodeId): boolean {
    return this.paused.has(node);
  }

  /**
   * The earliest round at which `takeDue` has something to hand over: the
   * current round while envelopes are due now, else the earliest round an
   * envelope is held until; undefined when the network is empty. A wall-clock
   * driver sleeps until then instead of polling.
   */
  nextDue(): number | undefined {
    if (this.due.length > 0) return this.round;
    let next: number | undefined;
    for (const u of this.later.keys()) if (next === undefined || u < next) next = u;
    return next;
  }

  /** What `takeDue` would start from now, in order, without taking it. */
  peekDue(): readonly InFlight[] {
    return this.due;
  }

  /** Envelopes due now or held for a later round. */
  inFlight(): number {
    let n = this.due.length;
    for (const held of this.later.values()) n += held.length;
    return n;
  }

  private cut(from: NodeId, to: NodeId): boolean {
    for (const c of this.cuts) if (c(from, to)) return true;
    return false;
  }

  private drop(id: number, reason: EventOf<'drop'>['reason']): EventOf<'drop'> {
    return { t: 'drop', r: this.round, id, reason };
  }

  private hold(item: InFlight, until: number, events: RouterEvent[]): void {
    const held = this.later.get(until);
    if (held) held.push(item);
    else this.later.set(until, [item]);
    events.push({ t: 'delay', r: this.round, id: item.id, until });
  }

  /**
   * An envelope sent at `hop` of the current round: returns its 'send' event
   * followed by what the network did with it.
   */
  send(env: Envelope, hop: number): RouterEvent[] {
    const id = ++this.lastId;
    const { from, to } = env;
    const events: RouterEvent[] = [
      {
        t: 'send',
        r: this.round,
        hop,
        id,
        from,
        to,
        kind: env.kind,
        keys: env.keys.slice(),
        bytes: env.payload.length,
      },
    ];
    if (!this.known.has(to)) {
      events.push(this.drop(id, 'unknown-node'));
      return events;
    }
    if (this.crashed.has(to)) {
      events.push(this.drop(id, 'crashed'));
      return events;
    }
    if (this.cut(from, to)) {
      events.push(this.drop(id, 'partition'));
      return events;
    }
    for (const f of this.faults) {
      if (f.kind === 'loss' && edgeSelected(f.edges, from, to) && this.rng.chance(f.probability)) {
        events.push(this.drop(id, 'loss'));
        return events;
      }
    }
    const copies: InFlight[] = [{ id, env }];
    for (const f of this.faults) {
      if (f.kind === 'duplicate' && edgeSelected(f.edges, from, to) && this.rng.chance(f.probability)) {
        const copy = ++this.lastId;
        copies.push({ id: copy, env });
        events.push({ t: 'duplicate', r: this.round, id: copy, of: id });
      }
    }
    for (const f of this.faults) {
      if (f.kind === 'tamper' && edgeSelected(f.edges, from, to) && this.rng.chance(f.probability)) {
        const copy = ++this.lastId;
        copies.push({ id: copy, env: tampered(env, f.how), tampered: { via: to, of: id } });
        events.push({ t: 'tamper', r: this.round, id: copy, of: id, what: f.how.what });
      }
    }
    for (const item of copies) {
      let delay = 0;
      for (const f of this.faults) {
        if (f.kind === 'delay' && edgeSelected(f.edges, from, to)) {
          delay += Math.max(0, Math.floor(f.latency));
          const jitter = Math.max(0, Math.floor(f.jitter));
          if (jitter > 0) delay += this.rng.int(jitter + 1);
        }
      }
      if (delay > 0) this.hold(item, this.round + delay, events);
      else this.due.push(item);
    }
    return events;
  }

  /** Takes everything due now (see the header for the checks applied). */
  takeDue(): DueBatch {
    const events: RouterEvent[] = [];
    const batch: InFlight[] = [];
    const taken = this.due;
    this.due = [];
    for (const item of taken) {
      const from = item.env.from;
      const to = destinationOf(item);
      if (this.crashed.has(to)) {
        events.push(this.drop(item.id, 'crashed'));
        continue;
      }
      if (this.cut(from, to)) {
        events.push(this.drop(item.id, 'partition'));
        continue;
      }
      const until = this.paused.get(to);
      if (until !== undefined && until > this.round) {
        this.hold(item, until, events);
        continue;
      }
      batch.push(item);
    }
    this.reorder(batch);
    return { events, batch };
  }

  /** Shuffles the envelopes a reorder fault covers among their own positions. */
  private reorder(batch: InFlight[]): void {
    const reorders = this.faults.filter((f) => f.kind === 'reorder');
    if (reorders.length === 0 || batch.length < 2) return;
    const positions: number[] = [];
    for (let i = 0; i < batch.length; i++) {
      const from = batch[i].env.from;
      const to = destinationOf(batch[i]);
      if (reorders.some((f) => edgeSelected(f.edges, from, to))) positions.push(i);
    }
    if (positions.length < 2) return;
    const items = positions.map((i) => batch[i]);
    this.rng.shuffle(items);
    positions.forEach((pos, k) => {
      batch[pos] = items[k];
    });
  }

  /** Past the hop limit: everything due now waits for the next round. */
  carryOver(): RouterEvent[] {
    const events: RouterEvent[] = [];
    const taken = this.due;
    this.due = [];
    for (const item of taken) this.hold(item, this.round + 1, events);
    return events;
  }
}

/** The damaged copy a tamper fault sends beside `env`. */
function tampered(env: Envelope, how: TamperHow): Envelope {
  switch (how.what) {
    case 'garbage':
      return { ...env, payload: new Uint8Array([...GARBAGE_PREFIX, ...how.bytes]) };
    case 'unknown-node':
      return { ...env, to: how.ghost };
    case 'oversize':
      return { ...env, payload: new Uint8Array(how.size).fill(0x20) };
  }
}
