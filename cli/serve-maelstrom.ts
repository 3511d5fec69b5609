// `gossipcheck serve-maelstrom`: a Maelstrom broadcast node (any language,
// JSON lines on stdin / stdout) as a GossipNode endpoint, through the
// Maelstrom adapter (adapters/maelstrom/host.ts): one process per node, realtime only.
// Used as the --impl of a process-backend chaos run, the node goes through
// the same runner, Router, history and checks as every realtime endpoint.

import { MaelstromHost } from '../adapters/maelstrom/host.js';
import { localLauncher } from '../adapters/maelstrom/node-process.js';
import { serveEndpointUntilSignal } from '../proto/server.js';
import { durationFlag, listenFlag, parseFlags, printHelp, UsageError } from './usage.js';

const HELP = `usage: gossipcheck serve-maelstrom --node "<command>" [--listen HOST:PORT] [--timeout MS]

Serves a Maelstrom broadcast node as a GossipNode gRPC endpoint (realtime
only): one process of <command> per node, started by Init (sh -c, with
$GOSSIPCHECK_NODE set to the node id), sent Maelstrom's init and topology.
Writes become broadcasts, reads become reads, node-to-node lines go through
the harness's network. Prints "listening on HOST:PORT" once ready and serves
until SIGINT / SIGTERM. Use it as the --impl of a process-backend chaos run:

  gossipcheck chaos --backend process \\
    --impl "gossipcheck serve-maelstrom --node './my-node' --listen {listen}"

  --node "<command>"   how to start one node (required)
  --listen HOST:PORT   where to listen (default $GOSSIPCHECK_LISTEN, else 127.0.0.1:0)
  --timeout MS         deadline of every request to a node (default 1500)
  -h, --help           this help`;

export async function serveMaelstrom(argv: string[]): Promise<number> {
  const { values } = parseFlags(argv, {
    node: { type: 'string' },
    listen: { type: 'string' },
    timeout: { type: 'string' },
  });
  if (printHelp(values, HELP)) return 0;
  if (values.node === undefined || values.node.trim() === '')
    throw new UsageError('serve-maelstrom needs --node "<command that starts one Maelstrom node>"');
  const listen = listenFlag(values.listen ?? process.env.GOSSIPCHECK_LISTEN ?? '127.0.0.1:0');
  const host = new MaelstromHost({
    launcher: localLauncher(values.node),
    command: values.node,
    requestTimeoutMs: durationFlag('timeout', values.timeout, {
      bare: 'ms',
      fallbackMs: 1500,
      minMs: 10,
      maxMs: 600_000,
    }),
  });
  await serveEndpointUntilSignal(host, listen);
  return 0;
}
