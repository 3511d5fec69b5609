#!/usr/bin/env node
// Container entry of the reference node (the base image's command). Imports
// only the reference and the contract, so the image needs no more than
// @grpc/grpc-js and @bufbuild/protobuf at run time. Configured by environment:
//   GOSSIPCHECK_LISTEN          HOST:PORT to serve GossipNode on (default 0.0.0.0:7000)
//   GOSSIPCHECK_PEER_PORT       direct transport: peers' GossipNode port (default: the listen port);
//                               a peer is reached at NODE_ID:PORT (compose DNS)
//   GOSSIPCHECK_REFERENCE_BROKEN  a deliberate bug (ignore-digests), for testing the kit
import { BROKEN_MODES, type BrokenMode } from './host.js';
import { serveUntilSignal } from './server.js';

const listen = process.env.GOSSIPCHECK_LISTEN || '0.0.0.0:7000';
const port = Number(listen.slice(listen.lastIndexOf(':') + 1));
const peerPort = Number(process.env.GOSSIPCHECK_PEER_PORT || port);
const brokenRaw = process.env.GOSSIPCHECK_REFERENCE_BROKEN || undefined;
if (brokenRaw !== undefined && !(BROKEN_MODES as readonly string[]).includes(brokenRaw)) {
  process.stderr.write(`GOSSIPCHECK_REFERENCE_BROKEN must be one of ${BROKEN_MODES.join(', ')}\n`);
  process.exit(2);
}
serveUntilSignal({
  listen,
  peerPort,
  ...(brokenRaw ? { broken: brokenRaw as BrokenMode } : {}),
}).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`reference: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(2);
  },
);
