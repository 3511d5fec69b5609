// A libp2p stream whose bytes never go straight to the other end: every frame
// gossipsub writes leaves through `Wire.send` (the adapter turns it into an
// envelope for the harness), and comes back to the other end's `onData` when
// the harness delivers it. Only the stream's lifecycle (open, close, reset)
// travels out of band, as the connection layer under gossipsub would carry it.
import { defaultLogger } from '@libp2p/logger';
import { AbstractStream, type SendResult } from '@libp2p/utils';
import type { NodeId } from '../../proto/contract.js';
import { splitFrames } from './wire.js';

/** Where the bytes a stream end writes go. */
export interface Wire {
  /** One complete length-prefixed frame from `from` to `to`, for the stream end `remoteEnd`. */
  send(from: NodeId, to: NodeId, remoteEnd: number, frame: Uint8Array): void;
}

/** The byte list AbstractStream hands to sendData (a Uint8ArrayList). */
interface Bytes {
  readonly byteLength: number;
  subarray(): Uint8Array;
}

export interface InterceptedStreamInit {
  id: number;
  node: NodeId;
  peer: NodeId;
  direction: 'inbound' | 'outbound';
  protocol: string;
  wire: Wire;
}

export class InterceptedStream extends AbstractStream {
  readonly endId: number;
  readonly node: NodeId;
  readonly peer: NodeId;
  /** The other end; set once both exist. */
  remote: InterceptedStream | null = null;
  private readonly wire: Wire;
  private pending: Uint8Array = new Uint8Array(0);

  constructor(init: InterceptedStreamInit) {
    super({
      id: String(init.id),
      protocol: init.protocol,
      direction: init.direction,
      log: defaultLogger().forComponent(`gossipcheck:gossipsub:stream:${init.node}:${init.id}`),
    });
    this.endId = init.id;
    this.node = init.node;
    this.peer = init.peer;
    this.wire = init.wire;
  }

  sendData(data: Bytes): SendResult {
    const chunk = data.subarray();
    let buf: Uint8Array;
    if (this.pending.length === 0) buf = chunk;
    else {
      buf = new Uint8Array(this.pending.length + chunk.length);
      buf.set(this.pending, 0);
      buf.set(chunk, this.pending.length);
    }
    const { frames, rest } = splitFrames(buf);
    this.pending = rest.slice();
    const remote = this.remote;
    if (remote) for (const f of frames) this.wire.send(this.node, this.peer, remote.endId, f.slice());
    return { sentBytes: data.byteLength, canSendMore: true };
  }

  /** Bytes the harness delivered to this end. */
  deliver(frame: Uint8Array): void {
    if (this.status !== 'open') return;
    this.onData(frame);
  }

  sendReset(): void {
    const remote = this.remote;
    if (remote) queueMicrotask(() => remote.onRemoteReset());
  }

  async sendCloseWrite(): Promise<void> {
    const remote = this.remote;
    if (remote) queueMicrotask(() => remote.onRemoteCloseWrite());
  }

  async sendCloseRead(): Promise<void> {
    const remote = this.remote;
    if (remote) queueMicrotask(() => remote.onRemoteCloseRead());
  }

  // Flow control is not modelled: the harness never pushes back.
  sendPause(): void {}
  sendResume(): void {}
}
