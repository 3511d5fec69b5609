// A GossipEndpoint hosting one scuttlebutt `Model` per node, all in this
// process, in lockstep. The library is used unmodified, through its own
// replication streams (model.createStream()); this file is only the network
// under them: a connection is a pair of those streams, and the text they write
// travels as envelopes (a TCP-like byte stream: connection id, sequence
// number, in-order reassembly). The mapping is explained in README.md.
// The library and its clock are loaded in library.ts; the segment wire
// format is in segment.ts.
import {
  type Ack,
  type Capabilities,
  type ClockMode,
  CONTRACT_VERSION,
  ContractError,
  DEFAULT_MAX_PAYLOAD_BYTES,
  type Entry,
  type Envelope,
  type GossipEndpoint,
  type InitResult,
  type NodeId,
  type NodeInit,
  type Parameters,
  type Snapshot,
  type StopMode,
  type UpdateResult,
  type Write,
} from '../../proto/contract.js';
import { deriveSeed, Rng } from '../../shared/prng.js';
import {
  atTime,
  type ClockModel,
  loadLibrary,
  ROUND_MS,
  SB_VERSION,
  type SbModel,
  type SbStream,
  SHARED,
} from './library.js';
import { type Segment, segments, validSegment } from './segment.js';

// --- Tunables, each explained in README.md. ---

/** A connection side with no traffic for this many of its node's Ticks is torn down. */
export const IDLE_TICKS = 2;
/** Event-loop turns to let the library's nextTick work (stream resume) run before collecting output. */
const SETTLE_TURNS = 3;
const KINDS = new Set(['digest', 'entries']);

const CAPABILITIES: Capabilities = {
  variants: ['anti-entropy-push-pull'],
  lossOfInterest: [],
  lockstep: true,
  realtime: false,
  rumorStatus: false,
  pushSum: false,
  membership: false,
  durableRestart: false,
};

/** One end of a connection: a library stream and the byte-stream bookkeeping around it. */
interface Side {
  conn: string;
  peer: NodeId;
  stream: SbStream;
  /** Lines the library wrote and that have not been sent yet. */
  out: string[];
  sendSeq: number;
  recvSeq: number;
  /** Segments received ahead of a gap, by sequence number. */
  pending: Map<number, string>;
  /** The node's tick count at the last segment sent or received. */
  lastActive: number;
  broken: boolean;
}

interface HostedNode {
  id: NodeId;
  peers: NodeId[];
  generation: number;
  rng: Rng;
  model: SbModel;
  sides: Map<string, Side>;
  /** Connections this node tore down: their late segments are ignored (a reset). */
  closed: Set<string>;
  ticks: number;
  nextConn: number;
  crashed: boolean;
}

/** Serializes calls: a flush collects every stream's output, so calls must not interleave. */
class Mutex {
  private tail: Promise<unknown> = Promise.resolve();
  run<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.tail.then(fn, fn);
    this.tail = next.catch(() => undefined);
    return next;
  }
}

export class ScuttlebuttHost implements GossipEndpoint {
  private nodes = new Map<NodeId, HostedNode>();
  private params: Parameters | undefined;
  /** The logical wall clock of the current scenario: every local write reads the next tick of it. */
  private clock = 0;
  /** Tick calls in the current scenario: the round, for the per-node clock. */
  private rounds = 0;
  private readonly mutex = new Mutex();

  constructor(private readonly clockModel: ClockModel = 'shared') {}

  init(nodes: NodeInit[], params: Parameters, clock: ClockMode): Promise<InitResult> {
    return this.mutex.run(async () => {
      const result = {
        implementation: 'scuttlebutt',
        version: SB_VERSION,
        capabilities: CAPABILITIES,
        contractVersion: CONTRACT_VERSION,
      };
      if (nodes.length === 0) return result;
      if (clock !== 'lockstep')
        throw new ContractError('failed-precondition', `${clock} clock not supported`);
      if (params.variant !== 'anti-entropy-push-pull')
        throw new ContractError('failed-precondition', `variant ${params.variant} not supported`);
      if (nodes.some((n) => n.restoreDurable))
        throw new ContractError('failed-precondition', 'durable restart not supported (in-memory library)');
      // A first start of every listed node is a new scenario: nothing of the
      // last one may leak into it (hosted nodes, the logical clock).
      if (nodes.every((n) => !n.generation)) this.reset();
      this.params = params;
      for (const n of nodes) {
        this.crash(n.id);
        const lib = this.clockModel === 'shared' ? SHARED : loadLibrary(true);
        this.nodes.set(n.id, {
          id: n.id,
          peers: n.peers.slice(),
          generation: n.generation ?? 0,
          rng: new Rng(deriveSeed(n.rngSeed, 'scuttlebutt:peers')),
          model: new lib.Model(n.id),
          sides: new Map(),
          closed: new Set(),
          ticks: 0,
          nextConn: 0,
          crashed: false,
        });
      }
      return result;
    });
  }

  tick(ids: NodeId[]): Promise<Envelope[]> {
    return this.mutex.run(async () => {
      const nodes = ids.map((id) => this.live(id));
      const fanout = Math.max(1, this.params?.fanout ?? 1);
      this.rounds++;
      for (const node of nodes) {
        node.ticks++;
        for (const side of [...node.sides.values()])
          if (node.ticks - side.lastActive >= IDLE_TICKS) this.closeSide(node, side);
        for (const peer of node.rng.sample(node.peers, fanout)) {
          const conn = `${node.id}@${node.generation}.${node.nextConn++}`;
          this.open(node, conn, peer);
        }
      }
      return this.flush();
    });
  }

  deliver(envelopes: Envelope[]): Promise<Envelope[]> {
    return this.mutex.run(async () => {
      const max = this.maxPayload();
      // The whole batch is checked before anything is applied.
      const batch = envelopes.map((env, i) => {
        const node = this.nodes.get(env.to);
        if (!node)
          throw new ContractError('not-found', `envelope ${i}: unknown node ${JSON.stringify(env.to)}`);
        if (env.payload.length > max)
          throw new ContractError(
            'invalid-argument',
            `envelope ${i}: payload of ${env.payload.length} bytes over max_payload_bytes ${max}`,
          );
        if (!KINDS.has(env.kind))
          throw new ContractError(
            'invalid-argument',
            `envelope ${i}: kind ${JSON.stringify(env.kind)} not ours`,
          );
        const seg = validSegment(env.payload);
        if (typeof seg === 'string') throw new ContractError('invalid-argument', `envelope ${i}: ${seg}`);
        return { env, node, seg };
      });
      for (const { env, node, seg } of batch) if (!node.crashed) this.receive(node, env.from, seg);
      return this.flush();
    });
  }

  update(writes: Write[]): Promise<UpdateResult> {
    return this.mutex.run(async () => {
      const nodes = writes.map((w) => this.live(w.node));
      const acks: Ack[] = [];
      writes.forEach((w, i) => {
        const model = nodes[i].model;
        const now = this.clockModel === 'shared' ? ++this.clock : (this.rounds + 1) * ROUND_MS;
        atTime(now, () => model.set(w.key, w.value));
        const held = model.store[w.key];
        // Every node's clock only moves forward, so a local write is never older than what it replaces.
        if (!held || held[2] !== model.id || held[0][1] !== w.value || Math.floor(held[1]) !== now)
          throw new Error(`the library did not apply write ${i} (${w.key} at ${w.node}, now=${now})`);
        acks.push({
          node: w.node,
          key: w.key,
          version: { counter: this.counterOf(held[1]), origin: model.id },
        });
      });
      return { acks, envelopes: await this.flush() };
    });
  }

  read(ids: NodeId[]): Promise<Snapshot[]> {
    return this.mutex.run(async () =>
      ids.map((id) => {
        const { model } = this.live(id);
        const entries: Entry[] = Object.keys(model.store)
          .sort()
          .map((key) => {
            const [[, value], ts, source] = model.store[key];
            return { key, value: String(value), version: { counter: this.counterOf(ts), origin: source } };
          });
        return { node: id, entries, estimate: 0, sum: 0, weight: 0, members: [] };
      }),
    );
  }

  stop(ids: NodeId[], _mode: StopMode): Promise<Envelope[]> {
    return this.mutex.run(async () => {
      for (const id of ids)
        if (!this.nodes.has(id)) throw new ContractError('not-found', `unknown node ${id}`);
      // Crash and clean stop alike: the library keeps nothing but memory.
      for (const id of ids) this.crash(id);
      return [];
    });
  }

  async close(): Promise<void> {
    await this.mutex.run(async () => this.reset());
  }

  // --- internals ---

  private maxPayload(): number {
    return this.params?.maxPayloadBytes || DEFAULT_MAX_PAYLOAD_BYTES;
  }

  private live(id: NodeId): HostedNode {
    const node = this.nodes.get(id);
    if (!node) throw new ContractError('not-found', `unknown node ${JSON.stringify(id)}`);
    if (node.crashed) throw new ContractError('failed-precondition', `node ${id} is stopped`);
    return node;
  }

  private reset(): void {
    for (const id of this.nodes.keys()) this.crash(id);
    this.nodes.clear();
    this.clock = 0;
    this.rounds = 0;
    // monotonic-timestamp remembers its last reading across scenarios (module
    // state); a reading at -1 makes the next scenario's first write read 1
    // exactly, whatever ran before.
    atTime(-1, SHARED.timestamp);
  }

  /**
   * The contract's counter for a library timestamp, order-preserving. Shared
   * clock: the timestamp itself (an integer). Per-node: monotonic-timestamp
   * makes a node's (c+1)-th write within one millisecond t + c/(c+1000); in
   * nanoseconds those stay distinct up to c = 30000 writes per millisecond.
   */
  private counterOf(ts: number): number {
    return this.clockModel === 'shared' ? ts : Math.round(ts * 1e6);
  }

  private crash(id: NodeId): void {
    const node = this.nodes.get(id);
    if (!node) return;
    for (const side of [...node.sides.values()]) this.closeSide(node, side);
    node.crashed = true;
  }

  private open(node: HostedNode, conn: string, peer: NodeId): Side {
    const stream = node.model.createStream();
    const side: Side = {
      conn,
      peer,
      stream,
      out: [],
      sendSeq: 0,
      recvSeq: 0,
      pending: new Map(),
      lastActive: node.ticks,
      broken: false,
    };
    stream.on('data', (line) => {
      if (!side.broken) side.out.push(line);
    });
    // The library's parser and handshake report bad input as stream errors: the connection is reset.
    stream.on('error', () => {
      side.broken = true;
    });
    node.sides.set(conn, side);
    return side;
  }

  private closeSide(node: HostedNode, side: Side): void {
    side.broken = true;
    side.stream.destroy();
    node.sides.delete(side.conn);
    node.closed.add(side.conn);
  }

  private receive(node: HostedNode, from: NodeId, seg: Segment): void {
    let side = node.sides.get(seg.conn);
    if (!side) {
      // Only the first segment of a connection its initiator opened starts one;
      // anything else for a connection this node does not hold is a reset.
      const initiator = seg.conn.slice(0, seg.conn.lastIndexOf('@'));
      if (seg.seq !== 0 || initiator !== from || node.closed.has(seg.conn)) return;
      side = this.open(node, seg.conn, from);
    }
    if (side.broken || seg.seq < side.recvSeq || side.pending.has(seg.seq)) return; // a duplicate
    side.pending.set(seg.seq, seg.data);
    side.lastActive = node.ticks;
    for (
      let data = side.pending.get(side.recvSeq);
      data !== undefined;
      data = side.pending.get(side.recvSeq)
    ) {
      side.pending.delete(side.recvSeq++);
      side.stream.write(data);
      if (side.broken) break;
    }
  }

  private settle(): Promise<void> {
    return (async () => {
      for (let i = 0; i < SETTLE_TURNS; i++) await new Promise<void>((resolve) => setImmediate(resolve));
    })();
  }

  /** Lets the library finish its deferred work, then sends what every stream wrote. */
  private async flush(): Promise<Envelope[]> {
    await this.settle();
    const out = this.collect();
    for (const node of this.nodes.values())
      for (const side of [...node.sides.values()]) if (side.broken) this.closeSide(node, side);
    return out;
  }

  private collect(): Envelope[] {
    const out: Envelope[] = [];
    for (const node of this.nodes.values()) {
      if (node.crashed) continue;
      for (const side of node.sides.values()) {
        if (side.out.length === 0 || side.broken) continue;
        side.lastActive = node.ticks;
        out.push(...segments(node.id, side, side.out.splice(0), this.maxPayload()));
      }
    }
    return out;
  }
}
