// The network of a Maelstrom run: every line a node writes to another node,
// and all client traffic, passes through the kit's Router (harness/router),
// driven in wall-clock milliseconds as WallClockNetwork drives it for
// realtime runs: each line enters as an Envelope (edge.ts) with `send(env)`,
// at `beginRound(now)`; a timer wakes when the Router's next envelope is due
// (`nextDue`), takes the due batch and hands each line to its destination.
// The Router decides every fault — partition, loss, delay, duplicate,
// reorder, tamper, crashed destination — and its events are the history's
// send / delay / duplicate / drop events; this file adds only 'deliver' (the
// line handed over) and the two Maelstrom rules below.
//
// Maelstrom's own network model, in the Router's terms:
// - Every message takes the base latency (`--latency`), client traffic
//   included: a delay fault over every edge, always active (not a fault
//   event in the history: it is the network, not a disturbance).
// - Clients (c0, c1, ...) are endpoints of the Router like nodes, so their
//   lines are numbered, delayed and logged in the same place. No fault covers
//   a client edge: Maelstrom's partitions cut nodes from nodes, never
//   clients. A partition names nodes only, and the Router's partition
//   predicate never cuts an edge with an end outside its groups; every other
//   fault is handed to the Router scoped to node -> node edges (its
//   EdgeSelector narrowed to the nodes). The history's 'fault' events keep
//   the fault as the scenario gave it.
// - A crashed node gets nothing: Router.crash / restart.
// - A restarted node gets node-to-node lines only after its init / topology
//   (`booting`), while the harness's own init / topology lines must reach
//   it. The Router's crash state is all-or-nothing per endpoint and cannot
//   say "clients only", so this one rule is applied here, at the edge, when
//   the Router hands a line over: a node -> node line due to a booting node
//   is dropped 'crashed' instead of delivered (it never reaches the node).
// A pause of a node process (SIGSTOP / docker pause) is not the network's:
// lines to it are delivered into its stdin pipe and wait there.
import type { Envelope, NodeId } from '../../proto/contract.js';
import type { Rng } from '../../shared/prng.js';
import type { LinkFault } from '../faults/schedule.js';
import { destinationOf, Router } from '../router/router.js';
import type { MaelstromEvent } from './history.js';

export interface NetworkOptions {
  nodes: readonly NodeId[];
  clients: readonly string[];
  /** The Router's random numbers (loss, duplicate, jitter, reorder draws). */
  rng: Rng;
  /** Maelstrom's base latency of every message, ms. */
  latencyMs: number;
  /** Milliseconds since the run started: the Router's round. */
  now: () => number;
  record: (e: MaelstromEvent) => void;
  /** A line handed over to `to` (a node's stdin, or the harness as client `to`). */
  deliver: (to: string, env: Envelope) => void;
}

/** `f` as the Router applies it in a Maelstrom run: never on a client edge. */
export function nodeEdgesOnly(f: LinkFault, nodes: readonly NodeId[]): LinkFault {
  // Partition groups hold nodes only; an edge with a client end is never cut.
  if (f.kind === 'partition') return f;
  const known = new Set(nodes);
  const within = (sel: NodeId[] | undefined) => (sel ?? nodes).filter((n) => known.has(n));
  return { ...f, edges: { from: within(f.edges?.from), to: within(f.edges?.to) } };
}

export class MaelstromNetwork {
  private readonly router: Router;
  private readonly nodes: ReadonlySet<NodeId>;
  /** The base latency as a Router fault over every edge (none at 0 ms). */
  private readonly base: LinkFault[];
  /** The active faults, as given -> as handed to the Router. */
  private readonly faults = new Map<LinkFault, LinkFault>();
  /** Restarted nodes before their init / topology: client lines only. */
  private readonly booting = new Set<NodeId>();
  private timer: NodeJS.Timeout | null = null;
  private timerAt = Number.POSITIVE_INFINITY;
  private closed = false;

  constructor(private readonly o: NetworkOptions) {
    this.router = new Router([...o.nodes, ...o.clients], o.rng);
    this.nodes = new Set(o.nodes);
    this.base = o.latencyMs > 0 ? [{ kind: 'delay', latency: o.latencyMs, jitter: 0 }] : [];
  }

  addFault(f: LinkFault): void {
    this.faults.set(f, nodeEdgesOnly(f, this.o.nodes));
  }

  removeFault(f: LinkFault): void {
    this.faults.delete(f);
  }

  /** What the Router applies now: the base latency, then the scenario's faults in the order they started. */
  private active(): LinkFault[] {
    return [...this.base, ...this.faults.values()];
  }

  private begin(): number {
    const r = this.o.now();
    this.router.beginRound(r, this.active());
    return r;
  }

  /** The node's process is gone: nothing reaches it, in flight or later. */
  crash(node: NodeId): void {
    this.router.crash(node);
  }

  /** A fresh process for `node`: client lines reach it; node lines only after `booted`. */
  restart(node: NodeId): void {
    this.router.restart(node);
    this.booting.add(node);
  }

  /** The restarted node answered init / topology (or the harness gave up on it). */
  booted(node: NodeId): void {
    this.booting.delete(node);
  }

  isCrashed(node: NodeId): boolean {
    return this.router.isCrashed(node);
  }

  /** A line from a node or a client, as an Envelope (edge.ts): recorded and routed. */
  send(env: Envelope): void {
    if (this.closed) return;
    this.begin();
    for (const e of this.router.send(env, 0)) this.o.record(e);
    this.arm();
  }

  /** Wakes when the Router's next line is due (never more than one timer). */
  private arm(): void {
    if (this.closed) return;
    const next = this.router.nextDue();
    if (next === undefined || next >= this.timerAt) return;
    if (this.timer) clearTimeout(this.timer);
    this.timerAt = next;
    this.timer = setTimeout(() => this.pump(), Math.max(0, Math.ceil(next - this.o.now())));
  }

  private pump(): void {
    this.timer = null;
    this.timerAt = Number.POSITIVE_INFINITY;
    if (this.closed) return;
    const r = this.begin();
    const { events, batch } = this.router.takeDue();
    for (const e of events) this.o.record(e);
    for (const item of batch) {
      if (this.closed) return;
      const to = destinationOf(item);
      // The booting rule (see the header): the Router cannot say "clients only".
      if (this.booting.has(to) && this.nodes.has(item.env.from)) {
        this.o.record({ t: 'drop', r, id: item.id, reason: 'crashed' });
        continue;
      }
      this.o.record({ t: 'deliver', r, hop: 0, id: item.id });
      this.o.deliver(to, item.env);
    }
    this.arm();
  }

  /** Lines still in the network (delayed or due). */
  get inFlight(): number {
    return this.router.inFlight();
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}
