// The network of a Maelstrom run, in wall-clock milliseconds: every line a
// node writes to another node, and all client traffic, passes through here.
// Decisions when a line is sent (`send`), in this order, node-to-node only:
//   1. destination crashed or restarting  -> drop 'crashed' (a restarted node
//      gets node-to-node lines only after its init / topology: `booting`)
//   2. a partition cuts the edge         -> drop 'partition'
//   3. each covering loss fault, chance p -> drop 'loss'
//   4. delay = base latency + for each covering delay fault latency + uniform [0, jitter] ms
// Client traffic (client <-> node) gets the base latency only: Maelstrom
// delays every message, and its partitions never cut clients. When the delay
// is over, a crashed destination or a partition that now cuts the edge drops
// the line; otherwise it is delivered. Faults use the kit's LinkFault data
// (harness/faults/schedule.ts) with times and delay latency in ms.
import type { NodeId } from '../../proto/contract.js';
import type { Rng } from '../../shared/prng.js';
import type { LinkFault } from '../faults/schedule.js';
import { edgeSelected, partitionPredicate } from '../faults/shapes.js';
import type { MaelstromEvent } from './history.js';

export interface Wire<P> {
  id: number;
  from: string;
  to: string;
  payload: P;
}

export class MaelstromNetwork<P> {
  private lastId = 0;
  private faults: LinkFault[] = [];
  private cuts: ((from: NodeId, to: NodeId) => boolean)[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  readonly crashed = new Set<NodeId>();
  /** Restarted nodes before their init / topology: client lines only. */
  readonly booting = new Set<NodeId>();
  private closed = false;

  constructor(
    private readonly nodes: ReadonlySet<NodeId>,
    private readonly rng: Rng,
    private readonly latencyMs: number,
    private readonly now: () => number,
    private readonly record: (e: MaelstromEvent) => void,
    private readonly deliver: (w: Wire<P>) => void,
  ) {}

  addFault(f: LinkFault): void {
    this.faults.push(f);
    this.refresh();
  }

  removeFault(f: LinkFault): void {
    this.faults = this.faults.filter((x) => x !== f);
    this.refresh();
  }

  private refresh(): void {
    this.cuts = this.faults.flatMap((f) => (f.kind === 'partition' ? [partitionPredicate(f)] : []));
  }

  private cut(from: string, to: string): boolean {
    return this.cuts.some((c) => c(from, to));
  }

  send(from: string, to: string, payload: P, kind: string, keys: string[], bytes: number): void {
    if (this.closed) return;
    const id = ++this.lastId;
    this.record({ t: 'send', r: this.now(), hop: 0, id, from, to, kind, keys, bytes });
    const betweenNodes = this.nodes.has(from) && this.nodes.has(to);
    let delay = this.latencyMs;
    if (betweenNodes) {
      const reason =
        this.crashed.has(to) || this.booting.has(to) ? 'crashed' : this.cut(from, to) ? 'partition' : null;
      if (reason) {
        this.record({ t: 'drop', r: this.now(), id, reason });
        return;
      }
      for (const f of this.faults) {
        if (f.kind === 'loss' && edgeSelected(f.edges, from, to) && this.rng.chance(f.probability)) {
          this.record({ t: 'drop', r: this.now(), id, reason: 'loss' });
          return;
        }
      }
      for (const f of this.faults) {
        if (f.kind === 'delay' && edgeSelected(f.edges, from, to))
          delay += f.latency + (f.jitter > 0 ? this.rng.int(f.jitter + 1) : 0);
      }
    }
    const w: Wire<P> = { id, from, to, payload };
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (this.closed) return;
      if (this.nodes.has(to) && (this.crashed.has(to) || (betweenNodes && this.booting.has(to)))) {
        this.record({ t: 'drop', r: this.now(), id, reason: 'crashed' });
        return;
      }
      if (betweenNodes && this.cut(from, to)) {
        this.record({ t: 'drop', r: this.now(), id, reason: 'partition' });
        return;
      }
      this.record({ t: 'deliver', r: this.now(), hop: 0, id });
      this.deliver(w);
    }, delay);
    this.timers.add(timer);
  }

  /** Lines still in flight (delayed). */
  get inFlight(): number {
    return this.timers.size;
  }

  close(): void {
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }
}
