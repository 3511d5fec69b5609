// A Maelstrom broadcast node behind the GossipNode contract (realtime only):
// this endpoint hosts one node process per node id and translates.
// - Init starts the process (generation from NodeInit; a re-Init is a fresh,
//   empty process) and sends Maelstrom's `init` and `topology` (the node's
//   peers) as client c0; Update and Read wait for init_ok / topology_ok.
//   Used by `gossipcheck serve-maelstrom` (any realtime run) and by the
//   Maelstrom scenarios (scenario.ts).
// - A line the node writes to another node becomes an Envelope (payload: the
//   line; kind: body.type; keys: the ledger keys of the values it carries) on
//   the harness's HarnessNetwork stream, so the harness's Router decides its
//   fate; without a harness address it goes straight to the peer's stdin.
// - Deliver writes the envelope's line to the destination's stdin (held
//   until the destination's handshake completed).
// - Update is a client `broadcast` of the write's ledger integer (ledger.ts),
//   acknowledged on broadcast_ok; Read is a client `read`, its read_ok set
//   read back through the ledger.
// - Stop(crash) kills the process; Stop(clean) ends it.
// What Maelstrom's protocol forbids (a malformed line, a wrong src, an
// unknown destination, an error reply, a reply to nothing, a value nobody
// broadcast, an exit nobody asked for) is a violation: that node's every
// later Update and Read is refused with FAILED_PRECONDITION quoting it, which
// ends a realtime run with the violation as its reason (docs/maelstrom.md).

import {
  type Capabilities,
  type ClockMode,
  CONTRACT_VERSION,
  ContractError,
  type Envelope,
  type GossipEndpoint,
  type InitResult,
  MAELSTROM_NODE,
  type NodeId,
  type NodeInit,
  type Parameters,
  type Snapshot,
  type StopMode,
  type UpdateResult,
  type Write,
} from '../../proto/contract.js';
import { HarnessTransport, type Transport } from '../../proto/harness-transport.js';
import { WriteLedger } from './ledger.js';
import type { NodeHandle, NodeLauncher } from './node-process.js';
import {
  type Body,
  carriedValues,
  exitProblem,
  noInReplyTo,
  quote,
  readNodeOutput,
  replyProblem,
  replyToNothing,
  unknownDestination,
  valueKey,
} from './protocol.js';

/**
 * A Maelstrom broadcast node that survives faults promises what anti-entropy
 * promises: every acknowledged value at every node once the faults heal
 * (Gossip Glomers 3c). So the adapter declares the anti-entropy variants; the
 * run's variant only picks the rules that judge it (the node runs its own).
 */
export const MAELSTROM_CAPABILITIES: Capabilities = {
  variants: ['anti-entropy-push', 'anti-entropy-pull', 'anti-entropy-push-pull'],
  lossOfInterest: [],
  lockstep: false,
  realtime: true,
  rumorStatus: false,
  pushSum: false,
  membership: false,
  durableRestart: false,
};

const ADMIN = 'c0';
const encoder = new TextEncoder();
const decoder = new TextDecoder();

export interface MaelstromHostOptions {
  /** Starts one node process (adapters/maelstrom/node-process.ts). */
  launcher: NodeLauncher;
  /** The command, for the implementation name in reports. */
  command: string;
  /** Deadline of every request to a node (init, topology, broadcast, read). */
  requestTimeoutMs: number;
  /** How envelopes leave for a harness address (default: a HarnessNetwork stream). */
  transport?: (address: string) => Transport;
  /**
   * Maelstrom's --latency for client traffic: each request waits this long
   * before it reaches the node, and each reply before it reaches the caller
   * (node-to-node lines get theirs from the harness's network). Default 0.
   */
  clientLatencyMs?: number;
  /**
   * The cluster, when the caller knows it (a Maelstrom scenario): `init`'s
   * node_ids and the `topology` message. Default: every id and peer list the
   * Inits named so far.
   */
  cluster?: { nodeIds: NodeId[]; topology: Record<NodeId, NodeId[]> };
  /** Where violations are logged as they happen (default stderr). */
  log?: (line: string) => void;
}

interface Hosted {
  id: NodeId;
  handle: NodeHandle;
  /** Settles once init_ok and topology_ok came (or a violation says why not); never rejects. */
  boot: Promise<void>;
  booted: boolean;
  /** Node-to-node lines that came before the handshake completed, handed over after it. */
  early: string[];
  /** Set by Stop: the process's end is not a violation. */
  stopping: boolean;
  /** What it broke, in order (the first MAX_KEPT). */
  violations: string[];
}

/** Violations kept per node. */
const MAX_KEPT = 20;
/** Violations a refusal names (the rest are counted). */
const MAX_NAMED = 3;
/** Delay samples kept (toNetworkMs): a 20 s run at 25 nodes sends well under this. */
const MAX_SAMPLES = 2_000_000;
/** Lines held for a node still starting; more are dropped (a node that never starts holds nothing). */
const MAX_EARLY = 10_000;

interface Pending {
  node: NodeId;
  client: string;
  type: string;
  resolve: (body: Body) => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout;
}

export class MaelstromHost implements GossipEndpoint {
  private readonly hosted = new Map<NodeId, Hosted>();
  /** Every node id a run named (its own id or a peer), in first-seen order. */
  private readonly known = new Set<NodeId>();
  private readonly topology: Record<NodeId, NodeId[]> = {};
  private readonly ledger = new WriteLedger();
  private readonly pending = new Map<string, Pending>();
  /** Requests given up on: their late replies are not violations. */
  private readonly expired = new Set<string>();
  /** Workload clients c1, c2, ... with a request outstanding (one each, as Maelstrom's clients). */
  private readonly busyClients = new Set<number>();
  private transport: Transport | null = null;
  /** Per line sent to the harness, ms from stdout to the harness accepting it (HarnessTransport onAccepted). */
  private readonly waited: number[] = [];
  private transportAddress = '';
  private nextMsgId = 0;
  private closed = false;

  constructor(private readonly o: MaelstromHostOptions) {}

  private info(): InitResult {
    return {
      implementation: `${MAELSTROM_NODE} (${this.o.command})`,
      version: 'maelstrom-adapter',
      capabilities: MAELSTROM_CAPABILITIES,
      contractVersion: CONTRACT_VERSION,
    };
  }

  async init(
    nodes: NodeInit[],
    params: Parameters,
    clock: ClockMode,
    harnessAddress?: string,
  ): Promise<InitResult> {
    if (!MAELSTROM_CAPABILITIES.variants.includes(params.variant))
      throw new ContractError(
        'invalid-argument',
        `variant ${params.variant}: a Maelstrom broadcast node is judged as ${MAELSTROM_CAPABILITIES.variants.join(', ')}`,
      );
    if (nodes.length === 0) return this.info();
    if (clock !== 'realtime')
      throw new ContractError(
        'failed-precondition',
        'a Maelstrom node runs on its own timers: realtime only',
      );
    this.useTransport(harnessAddress ?? '');
    for (const n of nodes) {
      this.known.add(n.id);
      for (const p of n.peers) this.known.add(p);
      this.topology[n.id] = n.peers.slice();
    }
    // Init does not wait for the handshake (a process may take seconds to start
    // on a loaded machine): Update and Read wait for it, and a node that fails
    // it has a violation that refuses them.
    await Promise.all(nodes.map((n) => this.start(n)));
    return this.info();
  }

  private useTransport(address: string): void {
    if (address === this.transportAddress) return;
    this.transport?.close();
    this.transportAddress = address;
    const onAccepted = (ms: number[]) => {
      for (const x of ms) if (this.waited.length < MAX_SAMPLES) this.waited.push(x);
    };
    this.transport = address
      ? (this.o.transport ?? ((a) => new HarnessTransport(a, { onAccepted })))(address)
      : null;
  }

  private async start(n: NodeInit): Promise<void> {
    const old = this.hosted.get(n.id);
    if (old) {
      old.stopping = true;
      this.failPending(n.id, `${n.id} was started again while the request was outstanding`);
      await old.handle.stop();
    }
    const generation = n.generation ?? 0;
    const node: Hosted = {
      id: n.id,
      stopping: false,
      violations: [],
      booted: false,
      early: [],
      boot: Promise.resolve(),
      handle: undefined as never,
    };
    node.handle = this.o.launcher(
      n.id,
      generation,
      (line) => {
        if (this.hosted.get(n.id) === node) this.onLine(node, line);
      },
      (exit) => {
        if (node.stopping || this.hosted.get(n.id) !== node) return;
        this.violate(node, exitProblem(n.id, exit, node.handle.stderrTail(5)));
        this.failPending(n.id, this.refusal(node) ?? `${n.id} exited`, true);
      },
    );
    this.hosted.set(n.id, node);
    const ids =
      this.o.cluster?.nodeIds ?? [...this.known].sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
    const topology = this.o.cluster?.topology ?? { ...this.topology };
    node.boot = (async () => {
      await this.request(n.id, ADMIN, { type: 'init', node_id: n.id, node_ids: ids });
      await this.request(n.id, ADMIN, { type: 'topology', topology });
      node.booted = true;
      for (const line of node.early.splice(0)) this.write(n.id, line);
    })().catch((err: unknown) => {
      if (!node.stopping)
        this.violate(node, `${n.id} did not complete init / topology: ${(err as Error).message}`);
    });
  }

  private violate(node: Hosted, message: string): void {
    if (node.violations.length >= MAX_KEPT) return;
    node.violations.push(message);
    (this.o.log ?? ((l) => process.stderr.write(`${l}\n`)))(`maelstrom-adapter: ${message}`);
  }

  /** The node's violations as one refusal: the first, then the next few. */
  private refusal(node: Hosted): string | null {
    const [first, ...more] = node.violations;
    if (first === undefined) return null;
    if (more.length === 0) return first;
    const named = more.slice(0, MAX_NAMED - 1);
    const rest = more.length - named.length;
    return `${first}; then: ${named.join('; ')}${rest > 0 ? `; and ${rest} more` : ''}`;
  }

  /** The node once booted, running and within the protocol, or the refusal saying why not. */
  private async booted(id: NodeId): Promise<Hosted> {
    const node = this.live(id);
    await node.boot;
    if (node.stopping || this.hosted.get(id) !== node)
      throw new Error(`${id} was stopped while the request was outstanding`);
    return this.live(id);
  }

  /** The node, running and within the protocol, or the refusal saying why not. */
  private live(id: NodeId): Hosted {
    const node = this.hosted.get(id);
    if (!node) throw new ContractError('not-found', `unknown node '${id}'`);
    const refusal = this.refusal(node);
    if (refusal !== null) throw new ContractError('failed-precondition', refusal);
    if (node.stopping) throw new ContractError('failed-precondition', `${id} is stopped`);
    return node;
  }

  private onLine(node: Hosted, raw: string): void {
    const out = readNodeOutput(node.id, raw);
    if (out.kind === 'blank') return;
    if (out.kind === 'violation') {
      this.violate(node, out.message);
      return;
    }
    const { env, text } = out;
    if (this.known.has(env.dest) || this.o.cluster?.nodeIds.includes(env.dest))
      this.toNode(node.id, env.dest, text, env.body);
    else if (/^c\d+$/.test(env.dest)) this.toClient(node, env.dest, text, env.body);
    else {
      const known = `nodes ${(this.o.cluster?.nodeIds ?? [...this.known]).join(', ')}; clients c0, c1, ...`;
      this.violate(node, unknownDestination(node.id, env.dest, known, text));
    }
  }

  private toNode(from: NodeId, to: NodeId, text: string, body: Body): void {
    const env: Envelope = {
      from,
      to,
      payload: encoder.encode(text),
      kind: body.type,
      keys: this.ledger.keysOf(carriedValues(body)),
    };
    if (this.transport) this.transport.send([env]);
    else this.writeFromPeer(to, text);
  }

  private toClient(node: Hosted, client: string, text: string, body: Body): void {
    if (body.in_reply_to === undefined) {
      this.violate(node, noInReplyTo(node.id, client, body, text));
      return;
    }
    const key = `${client}:${body.in_reply_to}`;
    const p = this.pending.get(key);
    if (!p || p.node !== node.id) {
      if (!this.expired.has(key)) this.violate(node, replyToNothing(node.id, client, text));
      return;
    }
    this.settle(key, p);
    const problem = replyProblem(p.type, body, text);
    if (problem === null) {
      p.resolve(body);
      return;
    }
    const why = `${node.id} answered ${p.type} from ${client} with ${problem}`;
    this.violate(node, why);
    p.reject(new ContractError('failed-precondition', why));
  }

  private settle(key: string, p: Pending): void {
    clearTimeout(p.timer);
    this.pending.delete(key);
  }

  private write(to: NodeId, line: string): void {
    const node = this.hosted.get(to);
    if (node && !node.stopping) node.handle.write(line);
  }

  /**
   * A node-to-node line for `to`. Before its init / topology completed a node
   * does not know who it is: the line waits (up to MAX_EARLY lines) and is
   * handed over right after topology_ok. Nodes boot concurrently, so a peer
   * may gossip to a node still starting; dropping that line would be a loss
   * of the harness's making.
   */
  private writeFromPeer(to: NodeId, line: string): void {
    const node = this.hosted.get(to);
    if (!node || node.stopping) return;
    if (node.booted) this.write(to, line);
    else if (node.early.length < MAX_EARLY) node.early.push(line);
  }

  /** Sends `body` from `client` to `node`; resolves to the *_ok reply body. */
  private request(node: NodeId, client: string, body: Body): Promise<Body> {
    return new Promise<Body>((resolve, reject) => {
      const msgId = ++this.nextMsgId;
      const key = `${client}:${msgId}`;
      const timer = setTimeout(() => {
        this.pending.delete(key);
        this.expired.add(key);
        const tail = this.hosted.get(node)?.handle.stderrTail(3);
        reject(
          new Error(
            `${node} did not answer ${body.type} within ${this.o.requestTimeoutMs} ms${tail ? `; stderr: ${quote(tail.replaceAll('\n', ' | '))}` : ''}`,
          ),
        );
      }, this.o.requestTimeoutMs);
      const latency = this.o.clientLatencyMs ?? 0;
      const answer = (b: Body) => (latency > 0 ? setTimeout(() => resolve(b), latency) : resolve(b));
      this.pending.set(key, { node, client, type: body.type, resolve: answer, reject, timer });
      const line = JSON.stringify({ src: client, dest: node, body: { ...body, msg_id: msgId } });
      if (latency > 0) setTimeout(() => this.write(node, line), latency);
      else this.write(node, line);
    });
  }

  /** A workload request on the lowest idle client (c1, c2, ...), released when answered. */
  private async clientRequest(node: NodeId, body: Body): Promise<Body> {
    let c = 1;
    while (this.busyClients.has(c)) c++;
    this.busyClients.add(c);
    try {
      return await this.request(node, `c${c}`, body);
    } finally {
      this.busyClients.delete(c);
    }
  }

  /**
   * Ends the node's outstanding requests: with its violation (a refusal), or,
   * when the caller stopped or restarted the node, as a plain failure.
   */
  private failPending(node: NodeId, why: string, refusal = false): void {
    for (const [key, p] of [...this.pending]) {
      if (p.node !== node) continue;
      this.settle(key, p);
      this.expired.add(key);
      p.reject(refusal ? new ContractError('failed-precondition', why) : new Error(why));
    }
  }

  async tick(): Promise<Envelope[]> {
    throw new ContractError('failed-precondition', 'a Maelstrom node runs on its own timers: no Tick');
  }

  async deliver(envelopes: Envelope[]): Promise<Envelope[]> {
    envelopes.forEach((e, i) => {
      if (!this.hosted.has(e.to))
        throw new ContractError(
          'not-found',
          `envelope ${i} from ${e.from} to ${e.to}: unknown node '${e.to}'`,
        );
    });
    for (const e of envelopes) this.writeFromPeer(e.to, decoder.decode(e.payload));
    return [];
  }

  async update(writes: Write[]): Promise<UpdateResult> {
    for (const w of writes) this.live(w.node);
    const acks = await Promise.all(
      writes.map(async (w) => {
        await this.booted(w.node);
        const { message, version } = this.ledger.record(w);
        await this.clientRequest(w.node, { type: 'broadcast', message });
        return { node: w.node, key: w.key, version };
      }),
    );
    return { acks, envelopes: [] };
  }

  async read(nodes: NodeId[]): Promise<Snapshot[]> {
    for (const id of nodes) this.live(id);
    return Promise.all(
      nodes.map(async (id): Promise<Snapshot> => {
        await this.booted(id);
        const body = await this.clientRequest(id, { type: 'read' });
        const node = this.live(id);
        // replyProblem checked that a read_ok holds a messages array or null
        // (an empty set, as Maelstrom's schema takes it: protocol.ts).
        const { entries, unknown } = this.ledger.readBack((body.messages ?? []) as unknown[]);
        if (unknown.length > 0) {
          const why = `${id} read back value(s) no client broadcast: ${unknown.slice(0, 5).map(valueKey).join(', ')}`;
          this.violate(node, why);
          throw new ContractError('failed-precondition', why);
        }
        return { node: id, entries, estimate: 0, sum: 0, weight: 0, members: [] };
      }),
    );
  }

  async stop(nodes: NodeId[], mode: StopMode): Promise<Envelope[]> {
    for (const id of nodes)
      if (!this.hosted.has(id)) throw new ContractError('not-found', `unknown node '${id}'`);
    await Promise.all(
      nodes.map(async (id) => {
        const node = this.hosted.get(id)!;
        node.stopping = true;
        this.failPending(id, `${id} was stopped while the request was outstanding`);
        await (mode === 'crash' ? node.handle.kill() : node.handle.stop());
      }),
    );
    return [];
  }

  /** Per line a node wrote to another node, ms from its stdout to the harness accepting it. */
  toNetworkMs(): readonly number[] {
    return this.waited;
  }

  /** The node's last stderr lines (its log), for error messages. */
  stderrTail(id: NodeId, lines = 5): string {
    return this.hosted.get(id)?.handle.stderrTail(lines) ?? '';
  }

  /** Freezes the node's process (SIGSTOP / docker pause): lines to it wait in its stdin pipe. */
  async pause(id: NodeId): Promise<void> {
    await this.hosted.get(id)?.handle.pause();
  }

  async resume(id: NodeId): Promise<void> {
    await this.hosted.get(id)?.handle.resume();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const node of this.hosted.values()) {
      node.stopping = true;
      this.failPending(node.id, 'the endpoint closed');
    }
    await Promise.all([...this.hosted.values()].map((n) => n.handle.stop()));
    this.transport?.close();
  }
}
