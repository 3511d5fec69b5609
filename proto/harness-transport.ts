// How a realtime node's envelopes reach the harness: one HarnessNetwork.Send
// stream to the harness_address of Init (gossip.proto), for every TypeScript
// endpoint that runs its nodes on their own timers (the reference's realtime
// shell, the Maelstrom adapter, the gossipsub adapter). Everything sent
// within one turn of the event loop travels in one frame. It never retries:
// gossip tolerates loss, and a queue that outlives a partition would hide it.
import * as grpc from '@grpc/grpc-js';
import type { Envelope } from './contract.js';
import { envelopeToPb } from './convert.js';
import * as pb from './gen/gossipcheck/v1/gossip.js';
import { MAX_GRPC_MESSAGE_BYTES } from './server.js';

export interface Transport {
  send(envelopes: readonly Envelope[]): void;
  close(): void;
}

export const CHANNEL_OPTIONS = {
  'grpc.max_receive_message_length': MAX_GRPC_MESSAGE_BYTES,
  'grpc.max_send_message_length': MAX_GRPC_MESSAGE_BYTES,
  // Reconnect quickly after a partition heals or a peer restarts.
  'grpc.initial_reconnect_backoff_ms': 100,
  'grpc.max_reconnect_backoff_ms': 1000,
  // A restarted peer's container may come back at another address: look its
  // name up again within a second, not grpc-js's default 30 s.
  'grpc.dns_min_time_between_resolutions_ms': 1000,
};

/** Most envelopes queued for one destination while its call is in flight; older ones are dropped. */
export const MAX_QUEUED = 5000;

export interface TransportOptions {
  /**
   * Called with how long (ms) each envelope of a frame waited from `send` to
   * the harness's answer accepting that frame: the harness's own delay on the
   * way in, an upper bound (the answer's way back is included). The harness
   * answers every frame in order on the stream, so frames pair exactly.
   */
  onAccepted?: (waitedMs: number[]) => void;
}

export class HarnessTransport implements Transport {
  private readonly client: pb.HarnessNetworkClient;
  private stream: grpc.ClientDuplexStream<pb.SendRequest, pb.SendResponse> | null = null;
  private pending: Envelope[] = [];
  /** performance.now() of each pending envelope's send (onAccepted only). */
  private pendingAt: number[] = [];
  /** The send times of the frames written on the current stream and not answered yet, oldest first. */
  private frames: number[][] = [];
  private scheduled = false;
  private closed = false;

  constructor(
    readonly address: string,
    private readonly o: TransportOptions = {},
  ) {
    this.client = new pb.HarnessNetworkClient(address, grpc.credentials.createInsecure(), CHANNEL_OPTIONS);
  }

  private open(): grpc.ClientDuplexStream<pb.SendRequest, pb.SendResponse> {
    if (this.stream) return this.stream;
    const stream = this.client.send();
    stream.on('data', () => {
      if (this.stream !== stream) return;
      const frame = this.frames.shift();
      if (!frame || !this.o.onAccepted) return;
      const now = performance.now();
      this.o.onAccepted(frame.map((t) => now - t));
    });
    const reset = () => {
      if (this.stream !== stream) return;
      this.stream = null;
      this.frames = [];
    };
    stream.on('error', reset);
    stream.on('end', reset);
    stream.on('close', reset);
    this.stream = stream;
    return stream;
  }

  send(envelopes: readonly Envelope[]): void {
    if (this.closed || envelopes.length === 0) return;
    const at = this.o.onAccepted ? performance.now() : 0;
    for (const e of envelopes) {
      this.pending.push(e);
      if (this.o.onAccepted) this.pendingAt.push(at);
    }
    if (this.pending.length > MAX_QUEUED) {
      this.pendingAt.splice(0, this.pendingAt.length - MAX_QUEUED);
      this.pending.splice(0, this.pending.length - MAX_QUEUED);
    }
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.flush());
  }

  private flush(): void {
    this.scheduled = false;
    if (this.closed || this.pending.length === 0) return;
    const batch = this.pending;
    const at = this.pendingAt;
    this.pending = [];
    this.pendingAt = [];
    try {
      const stream = this.open();
      if (this.o.onAccepted) this.frames.push(at);
      stream.write({ envelopes: batch.map(envelopeToPb) });
    } catch {
      this.stream = null;
      this.frames = [];
    }
  }

  close(): void {
    this.closed = true;
    try {
      this.stream?.end();
    } catch {
      // Already gone.
    }
    this.stream = null;
    this.client.close();
  }
}
