// A GossipEndpoint hosting one unmodified @libp2p/gossipsub instance per node
// id, all subscribed to one topic, in realtime mode only.
//
// Each instance gets gossipsub's own components (peer id, registrar,
// connection manager, peer store, logger) wired by this host instead of a
// full libp2p node; the stand-ins and the connections between nodes are in
// links.ts. The streams gossipsub opens on a connection are InterceptedStreams
// (stream.ts): every frame gossipsub writes becomes one envelope streamed to
// the harness (HarnessNetwork.Send), and reaches the other instance's stream
// only when the harness delivers it with Deliver. Opening and closing streams
// and connections is out of band (instant, never faulted), as the connection
// layer under gossipsub would carry it; the gossip protocol's bytes all pass
// through the harness.
//
// A node's store is last-writer-wins: a write publishes {key, value, version}
// on the topic; every message an instance receives is merged into its store.
import './polyfill.js';
import { createHash } from 'node:crypto';
import { generateKeyPairFromSeed } from '@libp2p/crypto/keys';
import { type GossipSub, type GossipsubOpts, gossipsub, type Message } from '@libp2p/gossipsub';
import type { PeerId, PeerStore, PrivateKey, Startable } from '@libp2p/interface';
import type { ConnectionManager, Registrar } from '@libp2p/interface-internal';
import { defaultLogger } from '@libp2p/logger';
import { peerIdFromPrivateKey } from '@libp2p/peer-id';
import {
  type Capabilities,
  type ClockMode,
  CONTRACT_VERSION,
  ContractError,
  compareVersions,
  DEFAULT_MAX_PAYLOAD_BYTES,
  type Entry,
  type Envelope,
  type GossipEndpoint,
  type InitResult,
  maxWriteBytes,
  type NodeId,
  type NodeInit,
  type Parameters,
  type Snapshot,
  type StopMode,
  type UpdateResult,
  type Version,
  type Write,
} from '../../proto/contract.js';
import { HarnessTransport, type Transport } from '../../proto/harness-transport.js';
import { LIBRARY_VERSION, meshParams } from './library.js';
import { type Link, Links, LocalRegistrar, localConnectionManager, localPeerStore } from './links.js';
import type { Wire } from './stream.js';
import {
  classify,
  decodeUpdate,
  encodeUpdate,
  framePayload,
  type GossipsubKind,
  parsePayload,
} from './wire.js';

/** The one topic every node subscribes to. */
export const TOPIC = 'gossipcheck';

export const CAPABILITIES: Capabilities = {
  variants: ['rumor-push'],
  lossOfInterest: ['blind-counter'],
  lockstep: false,
  realtime: true,
  rumorStatus: false,
  pushSum: false,
  membership: false,
  durableRestart: false,
};

export interface GossipsubHostOptions {
  /** Where envelopes go, for a harness address (default: a HarnessTransport streaming to it). */
  transport?: (harnessAddress: string) => Transport;
  /** Extra gossipsub options (tests only). */
  gossipsubOptions?: Partial<GossipsubOpts>;
}

/** Envelopes this endpoint sent, by kind, and what Deliver dropped as stale. */
export interface TrafficStats {
  sent: Record<GossipsubKind, number>;
  bytes: number;
  delivered: number;
  stale: number;
}

interface Instance {
  id: NodeId;
  init: NodeInit;
  origin: string;
  peerId: PeerId;
  gs: GossipSub & Startable;
  registrar: LocalRegistrar;
  links: Map<NodeId, Link>;
  store: Map<string, { value: string; version: Version }>;
  stopped: boolean;
}

export class GossipsubHost implements GossipEndpoint {
  private readonly instances = new Map<NodeId, Instance>();
  /** Every node id ever initialized (Deliver / Update / Read to others: NOT_FOUND). */
  private readonly known = new Set<NodeId>();
  private readonly keys = new Map<NodeId, PrivateKey>();
  private params: Parameters | null = null;
  private transport: Transport | null = null;
  private transportAddress = '';
  private lock: Promise<unknown> = Promise.resolve();
  private readonly logger = defaultLogger();
  readonly stats: TrafficStats = {
    sent: { rumor: 0, control: 0 },
    bytes: 0,
    delivered: 0,
    stale: 0,
  };

  constructor(private readonly options: GossipsubHostOptions = {}) {}

  private readonly wire: Wire = {
    send: (from, to, remoteEnd, frame) => {
      const payload = framePayload(remoteEnd, frame);
      const parsed = parsePayload(payload);
      if (typeof parsed === 'string') {
        process.stderr.write(`gossipsub adapter: ${from} -> ${to}: unparseable frame dropped (${parsed})\n`);
        return;
      }
      const { kind, keys } = classify(parsed.rpc);
      this.stats.sent[kind]++;
      this.stats.bytes += payload.length;
      this.transport?.send([{ from, to, kind, keys, payload }]);
    },
  };

  private readonly links = new Links((id) => this.instances.get(id), this.wire, this.logger);

  /** Runs `fn` after every earlier Init / Stop / close has finished. */
  private serialized<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.lock.then(fn, fn);
    this.lock = next.catch(() => {});
    return next;
  }

  // ---- Init ----

  init(nodes: NodeInit[], params: Parameters, clock: ClockMode, harnessAddress = ''): Promise<InitResult> {
    const result: InitResult = {
      implementation: 'libp2p-gossipsub',
      version: `@libp2p/gossipsub ${LIBRARY_VERSION} (gossipcheck adapter 1)`,
      capabilities: { ...CAPABILITIES },
      contractVersion: CONTRACT_VERSION,
    };
    if (nodes.length === 0) return Promise.resolve(result);
    return this.serialized(async () => {
      this.checkInit(nodes, params, clock, harnessAddress);
      this.params = params;
      this.useTransport(harnessAddress);
      const started: Instance[] = [];
      for (const n of nodes) {
        const old = this.instances.get(n.id);
        if (old) await this.stopInstance(old);
        started.push(await this.startInstance(n, params));
      }
      for (const x of started) {
        for (const p of x.init.peers) {
          const y = this.instances.get(p);
          if (!y || y === x || y.stopped || x.links.has(p) || !y.init.peers.includes(x.id)) continue;
          this.links.connect(x, y);
        }
      }
      return result;
    });
  }

  private checkInit(nodes: NodeInit[], params: Parameters, clock: ClockMode, harnessAddress: string): void {
    if (clock !== 'realtime') {
      throw new ContractError(
        'failed-precondition',
        `clock mode ${clock} not supported: gossipsub runs its own heartbeat timer (realtime only)`,
      );
    }
    if (params.variant !== 'rumor-push') {
      throw new ContractError(
        'failed-precondition',
        `variant ${params.variant} not supported (gossipsub is declared as rumor-push)`,
      );
    }
    if (params.lossOfInterest !== 'blind-counter') {
      throw new ContractError(
        'failed-precondition',
        `loss of interest ${params.lossOfInterest} not supported: gossipsub forwards a message once to each mesh peer, with no feedback (blind-counter)`,
      );
    }
    const D = meshParams(params.fanout).D;
    if (params.rumorK !== 0 && params.rumorK !== D) {
      throw new ContractError(
        'failed-precondition',
        `rumor_k ${params.rumorK} not supported: gossipsub's blind counter is fixed at one forward to each of its D mesh peers, so k = fanout = ${D}`,
      );
    }
    if (!(params.periodMs > 0))
      throw new ContractError('invalid-argument', 'realtime mode needs period_ms > 0');
    if (!harnessAddress) {
      throw new ContractError(
        'failed-precondition',
        'realtime mode needs a harness_address (this adapter has no direct transport)',
      );
    }
    const ids = new Set<NodeId>();
    for (const n of nodes) {
      if (!n.id) throw new ContractError('invalid-argument', 'a NodeInit has an empty id');
      if (ids.has(n.id)) throw new ContractError('invalid-argument', `node '${n.id}' listed twice`);
      ids.add(n.id);
      if (n.restoreDurable) {
        throw new ContractError(
          'failed-precondition',
          'restore_durable not supported (durable_restart not declared)',
        );
      }
    }
  }

  private useTransport(address: string): void {
    if (this.transport && this.transportAddress === address) return;
    this.transport?.close();
    this.transportAddress = address;
    this.transport = this.options.transport ? this.options.transport(address) : new HarnessTransport(address);
  }

  private async privateKey(id: NodeId): Promise<PrivateKey> {
    let key = this.keys.get(id);
    if (!key) {
      // A node keeps its identity across restarts, as a libp2p node with a persisted key does.
      const seed = createHash('sha256').update(`gossipcheck/gossipsub/${id}`).digest();
      key = await generateKeyPairFromSeed('Ed25519', new Uint8Array(seed));
      this.keys.set(id, key);
    }
    return key;
  }

  private async startInstance(n: NodeInit, params: Parameters): Promise<Instance> {
    const privateKey = await this.privateKey(n.id);
    const peerId = peerIdFromPrivateKey(privateKey);
    const registrar = new LocalRegistrar();
    const connectionManager = localConnectionManager(
      n.id,
      () => this.instances.get(n.id)?.links.values() ?? [],
    );
    const peerStore = localPeerStore();
    const gs = gossipsub({
      ...meshParams(params.fanout),
      heartbeatInterval: params.periodMs,
      allowPublishToZeroTopicPeers: true,
      emitSelf: false,
      debugName: `libp2p:gossipsub:${n.id}`,
      ...this.options.gossipsubOptions,
    })({
      privateKey,
      peerId,
      peerStore: peerStore as unknown as PeerStore,
      registrar: registrar as unknown as Registrar,
      connectionManager: connectionManager as unknown as ConnectionManager,
      logger: this.logger,
    }) as GossipSub & Startable;
    const generation = n.generation ?? 0;
    const inst: Instance = {
      id: n.id,
      init: { ...n, peers: n.peers.slice() },
      origin: generation > 0 ? `${n.id}#${generation}` : n.id,
      peerId,
      gs,
      registrar,
      links: new Map(),
      store: new Map(),
      stopped: false,
    };
    gs.addEventListener('message', (evt: CustomEvent<Message>) => {
      if (inst.stopped || evt.detail.topic !== TOPIC) return;
      const u = decodeUpdate(evt.detail.data);
      if (u) this.merge(inst, u.key, u.value, u.version);
    });
    await gs.start();
    gs.subscribe(TOPIC);
    this.instances.set(n.id, inst);
    this.known.add(n.id);
    return inst;
  }

  private merge(inst: Instance, key: string, value: string, version: Version): void {
    const cur = inst.store.get(key);
    if (!cur || compareVersions(version, cur.version) > 0) inst.store.set(key, { value, version });
  }

  private async stopInstance(inst: Instance): Promise<void> {
    inst.stopped = true;
    for (const link of [...inst.links.values()]) this.links.closeLink(link);
    try {
      await inst.gs.stop();
    } catch (err) {
      process.stderr.write(`gossipsub adapter: stopping ${inst.id}: ${(err as Error).message}\n`);
    }
    if (this.instances.get(inst.id) === inst) this.instances.delete(inst.id);
  }

  // ---- calls ----

  async tick(): Promise<Envelope[]> {
    throw new ContractError('failed-precondition', 'gossipsub runs in realtime mode only: no Tick');
  }

  private running(id: NodeId): Instance {
    const inst = this.instances.get(id);
    if (inst && !inst.stopped) return inst;
    if (this.known.has(id)) throw new ContractError('failed-precondition', `node '${id}' is stopped`);
    throw new ContractError('not-found', `unknown node '${id}'`);
  }

  private maxPayload(): number {
    const m = this.params?.maxPayloadBytes ?? 0;
    return m > 0 ? m : DEFAULT_MAX_PAYLOAD_BYTES;
  }

  async deliver(envelopes: Envelope[]): Promise<Envelope[]> {
    const max = this.maxPayload();
    const parsed = envelopes.map((e, i) => {
      this.running(e.to);
      if (e.payload.length > max) {
        throw new ContractError(
          'invalid-argument',
          `envelope ${i}: payload of ${e.payload.length} bytes over max_payload_bytes ${max}`,
        );
      }
      const p = parsePayload(e.payload);
      if (typeof p === 'string') throw new ContractError('invalid-argument', `envelope ${i}: ${p}`);
      return p;
    });
    envelopes.forEach((e, i) => {
      const p = parsed[i];
      const end = this.links.ends.get(p.endId);
      // Bytes for a stream that no longer exists (its connection went down) are lost, as on TCP.
      if (!end || end.node !== e.to || end.peer !== e.from || end.status !== 'open') {
        this.stats.stale++;
        return;
      }
      this.stats.delivered++;
      end.deliver(p.frame.slice());
    });
    return [];
  }

  async update(writes: Write[]): Promise<UpdateResult> {
    const limit = maxWriteBytes(this.params?.maxPayloadBytes ?? 0);
    const utf8 = new TextEncoder();
    for (const w of writes) {
      this.running(w.node);
      const size = utf8.encode(w.key).length + utf8.encode(w.value).length;
      if (size > limit) {
        throw new ContractError('invalid-argument', `write of ${size} bytes over the limit of ${limit}`);
      }
    }
    const acks = [];
    const published: [Instance, Uint8Array][] = [];
    for (const w of writes) {
      const inst = this.running(w.node);
      const counter = (inst.store.get(w.key)?.version.counter ?? 0) + 1;
      const version: Version = { counter, origin: inst.origin };
      inst.store.set(w.key, { value: w.value, version });
      acks.push({ node: w.node, key: w.key, version });
      published.push([inst, encodeUpdate({ key: w.key, value: w.value, version })]);
    }
    for (const [inst, data] of published) {
      try {
        await inst.gs.publish(TOPIC, data);
      } catch (err) {
        process.stderr.write(`gossipsub adapter: publish at ${inst.id}: ${(err as Error).message}\n`);
      }
    }
    return { acks, envelopes: [] };
  }

  async read(nodes: NodeId[]): Promise<Snapshot[]> {
    const insts = nodes.map((n) => this.running(n));
    return insts.map((inst) => {
      const entries: Entry[] = [...inst.store.entries()]
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([key, e]) => ({ key, value: e.value, version: { ...e.version } }));
      return { node: inst.id, entries, estimate: 0, sum: 0, weight: 0, members: [] };
    });
  }

  stop(nodes: NodeId[], _mode: StopMode): Promise<Envelope[]> {
    return this.serialized(async () => {
      for (const n of nodes) {
        if (!this.known.has(n)) throw new ContractError('not-found', `unknown node '${n}'`);
      }
      for (const n of nodes) {
        const inst = this.instances.get(n);
        if (inst) await this.stopInstance(inst);
      }
      return [];
    });
  }

  close(): Promise<void> {
    return this.serialized(async () => {
      for (const inst of [...this.instances.values()]) await this.stopInstance(inst);
      this.transport?.close();
      this.transport = null;
    });
  }
}
