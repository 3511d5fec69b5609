#!/usr/bin/env node
// Container entry of the reference node (the base image's command). Imports
// only the reference and the contract, so the image needs no more than
// @grpc/grpc-js and @bufbuild/protobuf at run time. Configured by environment:
//   GOSSIPCHECK_LISTEN          HOST:PORT to serve GossipNode on (default 0.0.0.0:7000)
//   GOSSIPCHECK_PEER_PORT       direct transport: peers' GossipNode port (default: the listen port);
//                               a peer is reached at NODE_ID:PORT (compose DNS)
//   GOSSIPCHECK_REFERENCE_FIXTURE a broken fixture (reference/broken) instead, for testing the kit
import { BROKEN_FIXTURES, brokenFixture } from '../broken/index.js';
import { serveUntilSignal } from './server.js';

const listen = process.env.GOSSIPCHECK_LISTEN || '0.0.0.0:7000';
const port = Number(listen.slice(listen.lastIndexOf(':') + 1));
const peerPort = Number(process.env.GOSSIPCHECK_PEER_PORT || port);
const fixture = process.env.GOSSIPCHECK_REFERENCE_FIXTURE || undefined;
if (fixture !== undefined && !brokenFixture(fixture)) {
  process.stderr.write(
    `GOSSIPCHECK_REFERENCE_FIXTURE must be one of ${BROKEN_FIXTURES.map((f) => f.name).join(', ')}\n`,
  );
  process.exit(2);
}
serveUntilSignal({
  listen,
  peerPort,
  ...(fixture ? { fixture } : {}),
}).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`reference: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(2);
  },
);
