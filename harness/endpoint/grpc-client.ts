// A GossipEndpoint reached over gRPC. Every call carries a deadline, so a hung
// IUT becomes an error with a reason, never a hung harness. gRPC statuses the
// contract names come back as ContractErrors.
import * as grpc from '@grpc/grpc-js';
import {
  type ClockMode,
  ContractError,
  type ContractErrorCode,
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
import {
  capabilitiesFromPb,
  envelopeFromPb,
  envelopeToPb,
  nodeInitToPb,
  parametersToPb,
  snapshotFromPb,
  versionFromPb,
} from '../../proto/convert.js';
import * as pb from '../../proto/gen/gossipcheck/v1/gossip.js';
import { MAX_GRPC_MESSAGE_BYTES } from '../../proto/server.js';

const CODES: Partial<Record<grpc.status, ContractErrorCode>> = {
  [grpc.status.INVALID_ARGUMENT]: 'invalid-argument',
  [grpc.status.NOT_FOUND]: 'not-found',
  [grpc.status.FAILED_PRECONDITION]: 'failed-precondition',
  [grpc.status.UNAVAILABLE]: 'unavailable',
};

export class CallTimeoutError extends Error {
  constructor(method: string, ms: number) {
    super(`${method} did not answer within ${ms} ms`);
    this.name = 'CallTimeoutError';
  }
}

type Unary<Req, Res> = (
  req: Req,
  meta: grpc.Metadata,
  opts: Partial<grpc.CallOptions>,
  cb: (err: grpc.ServiceError | null, res: Res) => void,
) => grpc.ClientUnaryCall;

export class GrpcEndpoint implements GossipEndpoint {
  private readonly client: pb.GossipNodeClient;

  constructor(
    readonly address: string,
    private readonly callTimeoutMs = 10_000,
  ) {
    this.client = new pb.GossipNodeClient(address, grpc.credentials.createInsecure(), {
      'grpc.max_receive_message_length': MAX_GRPC_MESSAGE_BYTES,
      'grpc.max_send_message_length': MAX_GRPC_MESSAGE_BYTES,
    });
  }

  /**
   * Resolves once the channel is connected; rejects after `ms` or as soon as
   * `gaveUp()` says so. Waits in short slices so no long timer outlives it.
   */
  async waitForReady(ms: number, gaveUp: () => boolean = () => false): Promise<void> {
    const end = Date.now() + ms;
    for (;;) {
      const slice = Math.min(200, end - Date.now());
      if (slice <= 0 || gaveUp()) throw new Error('not ready');
      const ok = await new Promise<boolean>((resolve) =>
        this.client.waitForReady(Date.now() + slice, (err) => resolve(!err)),
      );
      if (ok) return;
    }
  }

  private call<Req, Res>(method: string, fn: Unary<Req, Res>, req: Req): Promise<Res> {
    return new Promise((resolve, reject) => {
      fn.call(
        this.client,
        req,
        new grpc.Metadata(),
        { deadline: Date.now() + this.callTimeoutMs },
        (err, res) => {
          if (!err) return resolve(res);
          if (err.code === grpc.status.DEADLINE_EXCEEDED)
            return reject(new CallTimeoutError(method, this.callTimeoutMs));
          const code = CODES[err.code];
          const text = err.details || err.message;
          // A refusal reads as it does in-process (the server sends the ContractError's own
          // message), so in- and out-of-process histories hold the same bytes.
          reject(code ? new ContractError(code, text) : new Error(`${method}: ${text}`));
        },
      );
    });
  }

  async init(
    nodes: NodeInit[],
    params: Parameters,
    clock: ClockMode,
    harnessAddress = '',
  ): Promise<InitResult> {
    const res = await this.call('Init', this.client.init as Unary<pb.InitRequest, pb.InitResponse>, {
      nodes: nodes.map(nodeInitToPb),
      parameters: parametersToPb(params),
      clockMode: clock === 'realtime' ? pb.ClockMode.CLOCK_MODE_REALTIME : pb.ClockMode.CLOCK_MODE_LOCKSTEP,
      harnessAddress,
    });
    return {
      implementation: res.implementation,
      version: res.version,
      capabilities: capabilitiesFromPb(res.capabilities),
    };
  }

  async tick(nodes: NodeId[]): Promise<Envelope[]> {
    const res = await this.call('Tick', this.client.tick as Unary<pb.TickRequest, pb.TickResponse>, {
      nodes,
    });
    return res.envelopes.map(envelopeFromPb);
  }

  async deliver(envelopes: Envelope[]): Promise<Envelope[]> {
    const res = await this.call(
      'Deliver',
      this.client.deliver as Unary<pb.DeliverRequest, pb.DeliverResponse>,
      {
        envelopes: envelopes.map(envelopeToPb),
      },
    );
    return res.envelopes.map(envelopeFromPb);
  }

  async update(writes: Write[]): Promise<UpdateResult> {
    const res = await this.call('Update', this.client.update as Unary<pb.UpdateRequest, pb.UpdateResponse>, {
      writes,
    });
    return {
      acks: res.acks.map((a) => ({ node: a.node, key: a.key, version: versionFromPb(a.version) })),
      envelopes: res.envelopes.map(envelopeFromPb),
    };
  }

  async read(nodes: NodeId[]): Promise<Snapshot[]> {
    const res = await this.call('Read', this.client.read as Unary<pb.ReadRequest, pb.ReadResponse>, {
      nodes,
    });
    return res.snapshots.map(snapshotFromPb);
  }

  async stop(nodes: NodeId[], mode: StopMode): Promise<Envelope[]> {
    const res = await this.call('Stop', this.client.stop as Unary<pb.StopRequest, pb.StopResponse>, {
      nodes,
      mode: mode === 'clean' ? pb.StopMode.STOP_MODE_CLEAN : pb.StopMode.STOP_MODE_CRASH,
    });
    return (res.envelopes ?? []).map(envelopeFromPb);
  }

  async close(): Promise<void> {
    this.client.close();
  }
}
