// The in-memory connection plumbing the gossipsub instances of host.ts run on,
// in place of a full libp2p node: the registrar, connection manager and peer
// store stand-ins gossipsub's components need, and the links between nodes.
//
// A "connection" (Link) exists only along an edge of NodeInit.peers, between
// two running instances; each node sees it as a LinkSide (the fields gossipsub
// reads of a Connection). The streams gossipsub opens on it are
// InterceptedStreams (stream.ts), whose frames leave through the Wire. Opening
// and closing streams and connections is out of band (instant, never
// faulted), as the connection layer under gossipsub would carry it.
import type { Connection, PeerId, StreamHandler, Topology } from '@libp2p/interface';
import type { defaultLogger } from '@libp2p/logger';
import { multiaddr } from '@multiformats/multiaddr';
import type { NodeId } from '../../proto/contract.js';
import { InterceptedStream, type Wire } from './stream.js';

export class LocalRegistrar {
  readonly handlers = new Map<string, StreamHandler>();
  private readonly topologies = new Map<string, { protocol: string; topology: Topology }>();
  private seq = 0;

  async handle(protocol: string, handler: StreamHandler): Promise<void> {
    this.handlers.set(protocol, handler);
  }

  async unhandle(protocol: string): Promise<void> {
    this.handlers.delete(protocol);
  }

  async register(protocol: string, topology: Topology): Promise<string> {
    const id = `topology-${++this.seq}`;
    this.topologies.set(id, { protocol, topology });
    return id;
  }

  unregister(id: string): void {
    this.topologies.delete(id);
  }

  getTopologies(protocol: string): Topology[] {
    return [...this.topologies.values()].filter((t) => t.protocol === protocol).map((t) => t.topology);
  }

  /** The topology gossipsub registered (the same callbacks for each of its protocols). */
  first(): Topology | undefined {
    return this.topologies.values().next().value?.topology;
  }
}

/** This node's view of a connection (the fields gossipsub reads). */
export interface LinkSide {
  id: string;
  remotePeer: PeerId;
  remoteAddr: ReturnType<typeof multiaddr>;
  direction: 'inbound' | 'outbound';
  status: 'open' | 'closing' | 'closed';
  streams: InterceptedStream[];
  direct: boolean;
  timeline: { open: number; close?: number };
  log: ReturnType<ReturnType<typeof defaultLogger>['forComponent']>;
  newStream(protocols: string | string[]): Promise<InterceptedStream>;
  close(): Promise<void>;
  abort(err: Error): void;
}

export interface Link {
  id: number;
  open: boolean;
  sides: Map<NodeId, LinkSide>;
  ends: Set<InterceptedStream>;
}

export const asConnection = (side: LinkSide): Connection => side as unknown as Connection;

/** What the links need of a hosted instance (host.ts's Instance). */
export interface LinkedInstance {
  id: NodeId;
  peerId: PeerId;
  registrar: LocalRegistrar;
  links: Map<NodeId, Link>;
  stopped: boolean;
}

/**
 * The connection manager of node `node`. Used by gossipsub only to dial direct
 * / PX peers: only an open link to a peer of this node (`links`: the links of
 * the node's current instance).
 */
export function localConnectionManager(node: NodeId, links: () => Iterable<Link>) {
  return {
    async openConnection(peer: PeerId): Promise<Connection> {
      for (const link of links()) {
        const side = link.sides.get(node);
        if (link.open && side?.remotePeer.equals(peer)) return asConnection(side);
      }
      throw new Error(`no connection to ${peer.toString()}: not a peer of ${node}`);
    },
    getConnections: () => [],
  };
}

/** A peer store that knows nothing and keeps nothing. */
export function localPeerStore() {
  return {
    merge: async () => ({}),
    patch: async () => ({}),
    get: async (peer: PeerId) => ({
      id: peer,
      addresses: [],
      protocols: [],
      metadata: new Map(),
      tags: new Map(),
    }),
    consumePeerRecord: async () => false,
  };
}

/** The links between the instances of one host, and every open stream end on them by end id. */
export class Links {
  readonly ends = new Map<number, InterceptedStream>();
  private streamSeq = 0;
  private linkSeq = 0;

  constructor(
    /** The current instance of a node id. */
    private readonly instance: (id: NodeId) => LinkedInstance | undefined,
    private readonly wire: Wire,
    private readonly logger: ReturnType<typeof defaultLogger>,
  ) {}

  connect(x: LinkedInstance, y: LinkedInstance): void {
    const link: Link = { id: ++this.linkSeq, open: true, sides: new Map(), ends: new Set() };
    link.sides.set(x.id, this.side(link, x, y, 'outbound'));
    link.sides.set(y.id, this.side(link, y, x, 'inbound'));
    x.links.set(y.id, link);
    y.links.set(x.id, link);
    // Both ends learn of the connection, as libp2p's registrar tells every topology.
    void y.registrar.first()?.onConnect?.(x.peerId, asConnection(link.sides.get(y.id)!));
    void x.registrar.first()?.onConnect?.(y.peerId, asConnection(link.sides.get(x.id)!));
  }

  private side(
    link: Link,
    local: LinkedInstance,
    remote: LinkedInstance,
    direction: 'inbound' | 'outbound',
  ): LinkSide {
    return {
      id: `${link.id}:${local.id}`,
      remotePeer: remote.peerId,
      remoteAddr: multiaddr(`/memory/${remote.id}`),
      direction,
      status: 'open',
      streams: [],
      direct: true,
      timeline: { open: Date.now() },
      log: this.logger.forComponent(`gossipcheck:gossipsub:conn:${local.id}:${remote.id}`),
      newStream: async (protocols) => this.openStream(link, local, remote, protocols),
      close: async () => this.closeLink(link),
      abort: () => void this.closeLink(link),
    };
  }

  private async openStream(
    link: Link,
    local: LinkedInstance,
    remote: LinkedInstance,
    protocols: string | string[],
  ): Promise<InterceptedStream> {
    if (!link.open || local.stopped || remote.stopped) throw new Error('connection closed');
    const wanted = typeof protocols === 'string' ? [protocols] : protocols;
    const protocol = wanted.find((p) => remote.registrar.handlers.has(p));
    if (!protocol) throw new Error(`${remote.id} supports none of ${wanted.join(', ')}`);
    const out = new InterceptedStream({
      id: ++this.streamSeq,
      node: local.id,
      peer: remote.id,
      direction: 'outbound',
      protocol,
      wire: this.wire,
    });
    const inb = new InterceptedStream({
      id: ++this.streamSeq,
      node: remote.id,
      peer: local.id,
      direction: 'inbound',
      protocol,
      wire: this.wire,
    });
    out.remote = inb;
    inb.remote = out;
    for (const end of [out, inb]) {
      this.ends.set(end.endId, end);
      link.ends.add(end);
      link.sides.get(end.node)?.streams.push(end);
      end.addEventListener('close', () => {
        this.ends.delete(end.endId);
        link.ends.delete(end);
      });
    }
    const handler = remote.registrar.handlers.get(protocol)!;
    const remoteSide = link.sides.get(remote.id)!;
    queueMicrotask(() => {
      if (!link.open) return;
      Promise.resolve(handler(inb, asConnection(remoteSide))).catch(() => {});
    });
    return out;
  }

  /** The connection goes down: both instances hear of it, its streams end, bytes in flight are lost. */
  closeLink(link: Link): void {
    if (!link.open) return;
    link.open = false;
    const ids = [...link.sides.keys()];
    for (const id of ids) {
      const side = link.sides.get(id)!;
      side.status = 'closed';
      side.timeline.close = Date.now();
      const inst = this.instance(id);
      if (inst?.links.get(ids.find((o) => o !== id)!) === link) inst.links.delete(ids.find((o) => o !== id)!);
    }
    for (const id of ids) {
      const inst = this.instance(id);
      const other = ids.find((o) => o !== id)!;
      const otherInst = this.instance(other);
      if (inst && !inst.stopped && otherInst) void inst.registrar.first()?.onDisconnect?.(otherInst.peerId);
    }
    for (const end of [...link.ends]) {
      this.ends.delete(end.endId);
      if (end.status === 'open') end.onTransportClosed();
    }
    link.ends.clear();
  }
}
