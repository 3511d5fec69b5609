// Test-only: build small histories by hand for the checker tests: lockstep
// (rounds), or realtime (`realtime: true`; `at(ms)` moves the clock).

import type { LinkFault } from '../../engine/faults/schedule.js';
import type { HistoryEvent, ReadEntry } from '../../engine/history/events.js';
import {
  type Capabilities,
  LOSS_OF_INTEREST,
  type NodeId,
  type Parameters,
  type SirStatus,
  VARIANTS,
  type Version,
} from '../../proto/contract.js';

export interface BuilderOptions {
  nodes: NodeId[];
  params?: Partial<Parameters>;
  rounds?: number;
  values?: number[];
  capabilities?: Partial<Capabilities>;
  /** A realtime history: mode 'realtime', r in ms, hop limit 0, the realtime clock declared. */
  realtime?: boolean;
}

export const ALL_CAPABILITIES: Capabilities = {
  variants: [...VARIANTS],
  lossOfInterest: [...LOSS_OF_INTEREST],
  lockstep: true,
  realtime: false,
  rumorStatus: true,
  pushSum: true,
  membership: false,
  durableRestart: true,
};

/** A key/value entry for a read: [key, value, counter, origin, status]. */
export function entry(
  key: string,
  value: string,
  counter: number,
  origin: NodeId,
  status: SirStatus | null = null,
): ReadEntry {
  return [key, value, counter, origin, status];
}

export class HistoryBuilder {
  readonly events: HistoryEvent[] = [];
  r = 0;
  private nextId = 1;
  private readonly state = new Map<
    NodeId,
    { entries: ReadEntry[]; estimate: number; sum: number; weight: number }
  >();
  private readonly down = new Set<NodeId>();

  constructor(readonly opts: BuilderOptions) {
    const params: Parameters = {
      variant: 'anti-entropy-push-pull',
      fanout: 1,
      periodMs: 100,
      lossOfInterest: 'feedback-counter',
      rumorK: 2,
      antiEntropyEvery: 4,
      maxPayloadBytes: 1 << 20,
      ...opts.params,
    };
    this.events.push({
      t: 'run',
      seed: 1,
      mode: opts.realtime ? 'realtime' : 'lockstep',
      nodes: opts.nodes,
      params,
      rounds: opts.rounds ?? 10,
      hopLimit: opts.realtime ? 0 : 4,
      values: opts.values ?? [],
    });
    this.events.push({
      t: 'init',
      implementation: 'test',
      version: '0',
      capabilities: {
        ...ALL_CAPABILITIES,
        ...(opts.realtime ? { realtime: true } : {}),
        ...opts.capabilities,
      },
    });
    opts.nodes.forEach((n, i) => {
      const x = opts.values?.[i] ?? 0;
      this.state.set(n, { entries: [], estimate: x, sum: x, weight: 1 });
    });
  }

  round(r: number): this {
    this.r = r;
    this.events.push({ t: 'round', r });
    return this;
  }

  /** Realtime: the clock is at `ms` (no 'round' event, as a realtime history has none). */
  at(ms: number): this {
    this.r = ms;
    return this;
  }

  /** A client write and its ack. */
  update(node: NodeId, key: string, value: string, version: Version): this {
    this.events.push({ t: 'update', r: this.r, node, key, value });
    this.events.push({ t: 'ack', r: this.r, node, key, version });
    return this;
  }

  tick(nodes: NodeId[] = this.opts.nodes.filter((n) => !this.down.has(n))): this {
    this.events.push({ t: 'tick', r: this.r, nodes });
    return this;
  }

  /**
   * A send at `hop` (default 0), delivered at once (at hop + 1) unless `drop`
   * is set or `deliver` is false (deliver it later with `deliver`).
   */
  send(
    from: NodeId,
    to: NodeId,
    kind: string,
    keys: string[] = [],
    opts: { drop?: boolean; deliver?: boolean; hop?: number } = {},
  ): number {
    const id = this.nextId++;
    const hop = opts.hop ?? 0;
    this.events.push({ t: 'send', r: this.r, hop, id, from, to, kind, keys, bytes: 10 });
    if (opts.drop) this.events.push({ t: 'drop', r: this.r, id, reason: 'loss' });
    else if (opts.deliver !== false) this.events.push({ t: 'deliver', r: this.r, hop: hop + 1, id });
    return id;
  }

  deliver(id: number, hop = 1): this {
    this.events.push({ t: 'deliver', r: this.r, hop, id });
    return this;
  }

  /** A link fault starts or stops; `edges`: the directed edges a partition cuts. */
  fault(action: 'start' | 'stop', fault: LinkFault, edges: [NodeId, NodeId][] = []): this {
    this.events.push({ t: 'fault', r: this.r, action, fault, edges });
    return this;
  }

  crash(node: NodeId): this {
    this.down.add(node);
    this.events.push({ t: 'crash', r: this.r, node });
    return this;
  }

  restart(node: NodeId, durable: boolean): this {
    this.down.delete(node);
    if (!durable) this.state.get(node)!.entries = [];
    this.events.push({ t: 'restart', r: this.r, node, durable });
    return this;
  }

  /** An end-of-round read with new entries (and push-sum numbers). */
  read(
    node: NodeId,
    entries: ReadEntry[],
    ps: { estimate?: number; sum?: number; weight?: number } = {},
  ): this {
    const s = this.state.get(node)!;
    Object.assign(s, { entries, ...ps });
    this.events.push({ t: 'read', r: this.r, node, ...s, final: false });
    return this;
  }

  /** The same entries read at each of `nodes`. */
  readAll(nodes: NodeId[], entries: ReadEntry[]): this {
    for (const n of nodes) this.read(n, entries);
    return this;
  }

  error(op: string, message: string): this {
    this.events.push({ t: 'error', r: this.r, op, nodes: [], message });
    return this;
  }

  /** Final reads of every live node, then the end event. */
  finish(reason: 'completed' | 'aborted' = 'completed'): HistoryEvent[] {
    if (reason === 'completed') {
      for (const n of this.opts.nodes) {
        if (this.down.has(n)) continue;
        this.events.push({ t: 'read', r: this.r, node: n, ...this.state.get(n)!, final: true });
      }
    }
    this.events.push({ t: 'end', r: this.r, reason });
    return this.events;
  }
}
