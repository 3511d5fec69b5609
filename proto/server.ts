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
import { type RoundEndpoint, withRounds } from './round.js';

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

/** The six calls of the contract, on the generated types; unary and Session both serve these. */
interface Handlers {
  init(req: pb.InitRequest): Promise<pb.InitResponse>;
  tick(req: pb.TickRequest): Promise<pb.TickResponse>;
  deliver(req: pb.DeliverRequest): Promise<pb.DeliverResponse>;
  update(req: pb.UpdateRequest): Promise<pb.UpdateResponse>;
  read(req: pb.ReadRequest): Promise<pb.ReadResponse>;
  stop(req: pb.StopRequest): Promise<pb.StopResponse>;
}

function handlers(endpoint: GossipEndpoint): Handlers {
  return {
    init: async (req) => {
      const clock = req.clockMode === pb.ClockMode.CLOCK_MODE_REALTIME ? 'realtime' : 'lockstep';
      const res = await endpoint.init(
        req.nodes.map(nodeInitFromPb),
        parametersFromPb(req.parameters),
        clock,
        req.harnessAddress,
      );
      return {
        ...res,
        capabilities: capabilitiesToPb(res.capabilities),
        contractVersion: res.contractVersion ?? '',
      };
    },
    tick: async (req) => ({ envelopes: (await endpoint.tick(req.nodes)).map(envelopeToPb) }),
    deliver: async (req) => ({
      envelopes: (await endpoint.deliver(req.envelopes.map(envelopeFromPb))).map(envelopeToPb),
    }),
    update: async (req) => {
      const res = await endpoint.update(req.writes);
      return { acks: res.acks.map(ackToPb), envelopes: res.envelopes.map(envelopeToPb) };
    },
    read: async (req) => ({ snapshots: (await endpoint.read(req.nodes)).map(snapshotToPb) }),
    stop: async (req) => {
      const mode: StopMode = req.mode === pb.StopMode.STOP_MODE_CLEAN ? 'clean' : 'crash';
      const sent = await endpoint.stop(req.nodes, mode);
      return { envelopes: (sent ?? []).map(envelopeToPb) };
    },
  };
}

/** A failure as the CallError the unary call's status would carry. */
function callErrorOf(err: unknown): pb.CallError {
  const status = toServiceError(err);
  return { code: status.code ?? grpc.status.INTERNAL, message: status.details ?? '' };
}

async function round(endpoint: RoundEndpoint, req: pb.RoundRequest): Promise<pb.RoundResponse> {
  const played = await endpoint.round({
    nodes: req.nodes,
    due: req.due.map(envelopeFromPb),
    hopLimit: req.hopLimit,
    maxEnvelopes: req.maxEnvelopes,
    onlyChanged: req.onlyChanged,
  });
  return {
    rounds: played.map((p) => ({
      ticked: p.ticked.map(envelopeToPb),
      tickError: p.tickError && callErrorOf(p.tickError),
      hops: p.hops.map((h) => ({
        delivered: h.delivered,
        envelopes: h.envelopes.map(envelopeToPb),
        error: h.error && callErrorOf(h.error),
      })),
      snapshots: p.snapshots.map(snapshotToPb),
      readError: p.readError && callErrorOf(p.readError),
    })),
  };
}

/** Answers one call of a Session: the response of the call it holds, or its error. */
async function answer(
  h: Handlers,
  endpoint: RoundEndpoint,
  req: pb.SessionRequest,
): Promise<pb.SessionResponse> {
  const { id } = req;
  try {
    if (req.init) return { id, init: await h.init(req.init) };
    if (req.tick) return { id, tick: await h.tick(req.tick) };
    if (req.deliver) return { id, deliver: await h.deliver(req.deliver) };
    if (req.update) return { id, update: await h.update(req.update) };
    if (req.read) return { id, read: await h.read(req.read) };
    if (req.stop) return { id, stop: await h.stop(req.stop) };
    if (req.round) return { id, round: await round(endpoint, req.round) };
    return {
      id,
      error: {
        code: grpc.status.UNIMPLEMENTED,
        message: 'SessionRequest holds no call this endpoint serves',
      },
    };
  } catch (err) {
    return { id, error: callErrorOf(err) };
  }
}

/**
 * The Session stream: each call is answered when it is done, with its id, as
 * a unary call would be. Lockstep sends a call only after the previous
 * answer, so its calls run one at a time, in order; realtime may have several
 * in flight (reads of many nodes), and they run side by side as unary calls do.
 */
function session(
  endpoint: GossipEndpoint,
): grpc.handleBidiStreamingCall<pb.SessionRequest, pb.SessionResponse> {
  return (call) => {
    const ep = withRounds(endpoint);
    const h = handlers(ep);
    const inFlight = new Set<Promise<void>>();
    let open = true;
    const close = () => {
      open = false;
    };
    call.on('cancelled', close);
    call.on('error', close);
    call.on('data', (req: pb.SessionRequest) => {
      const done = answer(h, ep, req).then((res) => {
        if (open) call.write(res);
      });
      inFlight.add(done);
      void done.finally(() => inFlight.delete(done));
    });
    call.on('end', () => {
      void Promise.all(inFlight).then(() => {
        if (open) call.end();
        close();
      });
    });
  };
}

export function gossipNodeImplementation(endpoint: GossipEndpoint): pb.GossipNodeServer {
  const h = handlers(endpoint);
  return {
    init: unary(h.init),
    tick: unary(h.tick),
    deliver: unary(h.deliver),
    update: unary(h.update),
    read: unary(h.read),
    stop: unary(h.stop),
    session: session(endpoint),
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
