// Serves any GossipEndpoint as the gRPC GossipNode service. ContractErrors
// become gRPC statuses with their message; anything else is INTERNAL.
import * as grpc from '@grpc/grpc-js';
import { ContractError, type ContractErrorCode, type GossipEndpoint, type StopMode } from './contract.js';
import {
  ackToPb,
  capabilitiesToPb,
  envelopeFromPb,
  envelopeToPb,
  nodeInitFromPb,
  parametersFromPb,
  snapshotToPb,
} from './convert.js';
import * as pb from './gen/gossipcheck/v1/gossip.js';

const STATUS: Record<ContractErrorCode, grpc.status> = {
  'invalid-argument': grpc.status.INVALID_ARGUMENT,
  'not-found': grpc.status.NOT_FOUND,
  'failed-precondition': grpc.status.FAILED_PRECONDITION,
  unavailable: grpc.status.UNAVAILABLE,
};

/** Batches of many envelopes travel in one message; allow well past 4 MB. */
export const MAX_GRPC_MESSAGE_BYTES = 256 * 1024 * 1024;

function toServiceError(err: unknown): Partial<grpc.StatusObject> {
  if (err instanceof ContractError) return { code: STATUS[err.code], details: err.message };
  const message = err instanceof Error ? err.message : String(err);
  return { code: grpc.status.INTERNAL, details: `internal error: ${message}` };
}

function unary<Req, Res>(handle: (req: Req) => Promise<Res>): grpc.handleUnaryCall<Req, Res> {
  return (call, callback) => {
    handle(call.request).then(
      (res) => callback(null, res),
      (err: unknown) => callback(toServiceError(err)),
    );
  };
}

export function gossipNodeImplementation(endpoint: GossipEndpoint): pb.GossipNodeServer {
  return {
    init: unary(async (req: pb.InitRequest) => {
      const clock = req.clockMode === pb.ClockMode.CLOCK_MODE_REALTIME ? 'realtime' : 'lockstep';
      const res = await endpoint.init(
        req.nodes.map(nodeInitFromPb),
        parametersFromPb(req.parameters),
        clock,
        req.harnessAddress,
      );
      return { ...res, capabilities: capabilitiesToPb(res.capabilities) };
    }),
    tick: unary(async (req: pb.TickRequest) => ({
      envelopes: (await endpoint.tick(req.nodes)).map(envelopeToPb),
    })),
    deliver: unary(async (req: pb.DeliverRequest) => ({
      envelopes: (await endpoint.deliver(req.envelopes.map(envelopeFromPb))).map(envelopeToPb),
    })),
    update: unary(async (req: pb.UpdateRequest) => {
      const res = await endpoint.update(req.writes);
      return { acks: res.acks.map(ackToPb), envelopes: res.envelopes.map(envelopeToPb) };
    }),
    read: unary(async (req: pb.ReadRequest) => ({
      snapshots: (await endpoint.read(req.nodes)).map(snapshotToPb),
    })),
    stop: unary(async (req: pb.StopRequest) => {
      const mode: StopMode = req.mode === pb.StopMode.STOP_MODE_CLEAN ? 'clean' : 'crash';
      const sent = await endpoint.stop(req.nodes, mode);
      return { envelopes: (sent ?? []).map(envelopeToPb) };
    }),
  };
}

export interface RunningServer {
  /** HOST:PORT actually bound (port 0 resolved). */
  address: string;
  close(): Promise<void>;
}

/** Binds `listen` (HOST:PORT; port 0 picks a free one) and serves `endpoint`. */
export function serveGossipNode(endpoint: GossipEndpoint, listen: string): Promise<RunningServer> {
  const server = new grpc.Server({
    'grpc.max_receive_message_length': MAX_GRPC_MESSAGE_BYTES,
    'grpc.max_send_message_length': MAX_GRPC_MESSAGE_BYTES,
  });
  server.addService(pb.GossipNodeService, gossipNodeImplementation(endpoint));
  const host = listen.slice(0, listen.lastIndexOf(':'));
  return new Promise((resolve, reject) => {
    server.bindAsync(listen, grpc.ServerCredentials.createInsecure(), (err, port) => {
      if (err) return reject(new Error(`cannot listen on ${listen}: ${err.message}`));
      resolve({
        address: `${host}:${port}`,
        close: () =>
          new Promise<void>((done) => {
            server.tryShutdown(() => done());
            // Calls still open after a grace period are cut.
            setTimeout(() => server.forceShutdown(), 1000).unref();
          }),
      });
    });
  });
}

/**
 * Serves `endpoint` on `listen`, prints "listening on HOST:PORT" once it
 * accepts calls (what an --impl launcher waits for), and returns after
 * SIGINT / SIGTERM, with the endpoint and the server closed. `onSignal` runs
 * first (a last word on stderr). A bind failure throws before anything is printed.
 */
export async function serveEndpointUntilSignal(
  endpoint: GossipEndpoint,
  listen: string,
  onSignal?: () => void,
): Promise<void> {
  const server = await serveGossipNode(endpoint, listen);
  process.stdout.write(`listening on ${server.address}\n`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  onSignal?.();
  await endpoint.close();
  await server.close();
}
