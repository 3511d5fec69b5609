// `gossipcheck serve-reference`: the realtime reference host as the gRPC
// GossipNode service (proto/server.ts), until SIGINT / SIGTERM.
import type { Variant } from '../../proto/contract.js';
import { serveEndpointUntilSignal } from '../../proto/server.js';
import { makeBrokenHost } from '../broken/index.js';
import { RealtimeReferenceHost } from './host.js';

export interface ServeOptions {
  listen: string;
  variants?: readonly Variant[];
  /** A broken fixture (reference/broken) instead of the reference, in either clock mode. */
  fixture?: string;
  /** Direct transport: the port every peer listens on; a peer's host name is its node id. */
  peerPort?: number;
}

/** Serves until SIGINT / SIGTERM; prints "listening on HOST:PORT" once ready. */
export async function serveUntilSignal(opts: ServeOptions): Promise<number> {
  const peerPort = opts.peerPort;
  const host = new RealtimeReferenceHost({
    ...(opts.variants ? { variants: opts.variants } : {}),
    ...(opts.fixture ? { inner: makeBrokenHost(opts.fixture) } : {}),
    ...(peerPort !== undefined ? { peerAddress: (peer: string) => `${peer}:${peerPort}` } : {}),
  });
  await serveEndpointUntilSignal(host, opts.listen);
  return 0;
}
