// Serves the realtime reference host as the gRPC GossipNode service. Like
// proto/server.ts, but Init reads the request's clock mode and
// harness_address (the domain GossipEndpoint.init has no harness address).
import * as grpc from '@grpc/grpc-js';
import { ContractError, type ContractErrorCode } from '../../proto/contract.js';
import { capabilitiesToPb, nodeInitFromPb, parametersFromPb } from '../../proto/convert.js';
import * as pb from '../../proto/gen/gossipcheck/v1/gossip.js';
import { gossipNodeImplementation, MAX_GRPC_MESSAGE_BYTES, type RunningServer } from '../../proto/server.js';
import { type BrokenMode, RealtimeReferenceHost } from './host.js';

const STATUS: Record<ContractErrorCode, grpc.status> = {
  'invalid-argument': grpc.status.INVALID_ARGUMENT,
  'not-found': grpc.status.NOT_FOUND,
  'failed-precondition': grpc.status.FAILED_PRECONDITION,
  unavailable: grpc.status.UNAVAILABLE,
};

function toServiceError(err: unknown): Partial<grpc.StatusObject> {
  if (err instanceof ContractError) return { code: STATUS[err.code], details: err.message };
  const message = err instanceof Error ? err.message : String(err);
  return { code: grpc.status.INTERNAL, details: `internal error: ${message}` };
}

export function realtimeImplementation(host: RealtimeReferenceHost): pb.GossipNodeServer {
  return {
    ...gossipNodeImplementation(host),
    init: (call, callback) => {
      const req = call.request;
      const clock = req.clockMode === pb.ClockMode.CLOCK_MODE_REALTIME ? 'realtime' : 'lockstep';
      Promise.resolve()
        .then(() =>
          host.initWith(
            req.nodes.map(nodeInitFromPb),
            parametersFromPb(req.parameters),
            clock,
            req.harnessAddress,
          ),
        )
        .then(
          (res) => callback(null, { ...res, capabilities: capabilitiesToPb(res.capabilities) }),
          (err: unknown) => callback(toServiceError(err)),
        );
    },
  };
}

export function serveRealtimeReference(host: RealtimeReferenceHost, listen: string): Promise<RunningServer> {
  const server = new grpc.Server({
    'grpc.max_receive_message_length': MAX_GRPC_MESSAGE_BYTES,
    'grpc.max_send_message_length': MAX_GRPC_MESSAGE_BYTES,
  });
  server.addService(pb.GossipNodeService, realtimeImplementation(host));
  const bindHost = listen.slice(0, listen.lastIndexOf(':'));
  return new Promise((resolve, reject) => {
    server.bindAsync(listen, grpc.ServerCredentials.createInsecure(), (err, port) => {
      if (err) return reject(new Error(`cannot listen on ${listen}: ${err.message}`));
      resolve({
        address: `${bindHost}:${port}`,
        close: () =>
          new Promise<void>((done) => {
            server.tryShutdown(() => done());
            setTimeout(() => server.forceShutdown(), 1000).unref();
          }),
      });
    });
  });
}

export interface ServeOptions {
  listen: string;
  variants?: readonly import('../../proto/contract.js').Variant[];
  broken?: BrokenMode;
  /** Direct transport: the port every peer listens on; a peer's host name is its node id. */
  peerPort?: number;
}

/** Serves until SIGINT / SIGTERM; prints "listening on HOST:PORT" once ready. */
export async function serveUntilSignal(opts: ServeOptions): Promise<number> {
  const peerPort = opts.peerPort;
  const host = new RealtimeReferenceHost({
    ...(opts.variants ? { variants: opts.variants } : {}),
    ...(opts.broken ? { broken: opts.broken } : {}),
    ...(peerPort !== undefined ? { peerAddress: (peer: string) => `${peer}:${peerPort}` } : {}),
  });
  const server = await serveRealtimeReference(host, opts.listen);
  process.stdout.write(`listening on ${server.address}\n`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await host.close();
  await server.close();
  return 0;
}
