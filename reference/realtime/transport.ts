// How a realtime reference node's envelopes leave the process.
// - harness: proto/harness-transport.ts (one HarnessNetwork.Send stream to
//   the harness_address; the harness routes every envelope and applies its faults).
// - direct: GossipNode.Deliver straight to the peer's endpoint at
//   `peerAddress(peer)` (in docker: the peer's container name and port), so
//   only the host's firewall (iptables) stands between nodes.
// Both batch: everything sent within one turn of the event loop travels in one
// frame (harness) or one Deliver per peer (direct). Neither retries: gossip
// tolerates loss, and a queue that outlives a partition would hide it.
import * as grpc from '@grpc/grpc-js';
import type { Envelope, NodeId } from '../../proto/contract.js';
import { envelopeToPb } from '../../proto/convert.js';
import * as pb from '../../proto/gen/gossipcheck/v1/gossip.js';
import { CHANNEL_OPTIONS, MAX_QUEUED, type Transport } from '../../proto/harness-transport.js';

export class DirectTransport implements Transport {
  private readonly clients = new Map<NodeId, pb.GossipNodeClient>();
  private readonly queues = new Map<NodeId, Envelope[]>();
  private readonly busy = new Set<NodeId>();
  private closed = false;

  constructor(
    private readonly peerAddress: (peer: NodeId) => string,
    private readonly callTimeoutMs = 1000,
  ) {}

  private client(peer: NodeId): pb.GossipNodeClient {
    let c = this.clients.get(peer);
    if (!c) {
      c = new pb.GossipNodeClient(this.peerAddress(peer), grpc.credentials.createInsecure(), CHANNEL_OPTIONS);
      this.clients.set(peer, c);
    }
    return c;
  }

  send(envelopes: readonly Envelope[]): void {
    if (this.closed) return;
    const touched = new Set<NodeId>();
    for (const e of envelopes) {
      let q = this.queues.get(e.to);
      if (!q) {
        q = [];
        this.queues.set(e.to, q);
      }
      q.push(e);
      if (q.length > MAX_QUEUED) q.splice(0, q.length - MAX_QUEUED);
      touched.add(e.to);
    }
    if (touched.size === 0) return;
    setImmediate(() => {
      for (const p of touched) this.pump(p);
    });
  }

  private pump(peer: NodeId): void {
    if (this.closed || this.busy.has(peer)) return;
    const q = this.queues.get(peer);
    if (!q || q.length === 0) return;
    this.queues.set(peer, []);
    this.busy.add(peer);
    this.client(peer).deliver(
      { envelopes: q.map(envelopeToPb) },
      new grpc.Metadata(),
      { deadline: Date.now() + this.callTimeoutMs },
      (err, res) => {
        this.busy.delete(peer);
        // A channel that timed out or is down dials afresh on the next send,
        // with a fresh name lookup: a restarted peer may have a new address,
        // and a connection whose packets a partition or pause dropped waits
        // out the kernel's retransmission backoff (seconds to tens of seconds)
        // long after the fault healed.
        if (err && (err.code === grpc.status.DEADLINE_EXCEEDED || err.code === grpc.status.UNAVAILABLE)) {
          this.clients.get(peer)?.close();
          this.clients.delete(peer);
        }
        // A realtime peer sends its reactions itself; anything returned is forwarded.
        if (!err && res && res.envelopes.length > 0) {
          this.send(res.envelopes.map((e) => ({ ...e, payload: e.payload })));
        }
        this.pump(peer);
      },
    );
  }

  close(): void {
    this.closed = true;
    for (const c of this.clients.values()) c.close();
    this.clients.clear();
  }
}
