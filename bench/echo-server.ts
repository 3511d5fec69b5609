// The raw baseline's other end: a GossipNode service whose Deliver echoes the
// request's envelopes back, straight on the generated types (no conversion, no
// node). Listens on GOSSIPCHECK_LISTEN, as any IUT under the process backend.
import * as grpc from '@grpc/grpc-js';
import * as pb from '../proto/gen/gossipcheck/v1/gossip.js';
import { MAX_GRPC_MESSAGE_BYTES } from '../proto/server.js';

const listen = process.env.GOSSIPCHECK_LISTEN ?? '127.0.0.1:0';
const unimplemented = (_call: unknown, cb: (err: Partial<grpc.StatusObject>) => void) =>
  cb({ code: grpc.status.UNIMPLEMENTED, details: 'echo server: Deliver only' });

const server = new grpc.Server({
  'grpc.max_receive_message_length': MAX_GRPC_MESSAGE_BYTES,
  'grpc.max_send_message_length': MAX_GRPC_MESSAGE_BYTES,
});
server.addService(pb.GossipNodeService, {
  init: unimplemented,
  tick: unimplemented,
  update: unimplemented,
  read: unimplemented,
  stop: unimplemented,
  deliver: (call: grpc.ServerUnaryCall<pb.DeliverRequest, pb.DeliverResponse>, cb) =>
    cb(null, { envelopes: call.request.envelopes }),
} as pb.GossipNodeServer);
server.bindAsync(listen, grpc.ServerCredentials.createInsecure(), (err) => {
  if (err) {
    process.stderr.write(`echo server: cannot listen on ${listen}: ${err.message}\n`);
    process.exit(2);
  }
  process.stdout.write(`listening on ${listen}\n`);
});
for (const sig of ['SIGTERM', 'SIGINT'] as const) process.on(sig, () => server.forceShutdown());
