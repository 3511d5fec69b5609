#!/usr/bin/env node
// Entry of the gossipsub adapter: serves GossipNode (proto/server.ts) with
// every node of a run in this one process, until SIGINT / SIGTERM.
//   node dist/adapters/gossipsub/main.js --listen HOST:PORT
import './polyfill.js';
import { parseArgs } from 'node:util';

const USAGE = `usage: gossipsub-adapter --listen HOST:PORT

Serves the gossipcheck GossipNode service with one @libp2p/gossipsub instance
per node id (realtime mode only, variant rumor-push, loss of interest
blind-counter). Prints "listening on HOST:PORT" once ready; port 0 picks a
free port. Exits 0 on SIGINT / SIGTERM.

  --listen HOST:PORT   where to serve (default: $GOSSIPCHECK_LISTEN)
  -h, --help           this text
`;

function usageError(message: string): never {
  process.stderr.write(`gossipsub-adapter: ${message} (see --help)\n`);
  process.exit(2);
}

let values: { listen?: string; help?: boolean };
try {
  ({ values } = parseArgs({
    options: { listen: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    strict: true,
    allowPositionals: false,
  }));
} catch (err) {
  usageError((err as Error).message.split('\n')[0]);
}
if (values.help) {
  process.stdout.write(USAGE);
  process.exit(0);
}
const listen = values.listen ?? process.env.GOSSIPCHECK_LISTEN ?? '';
const m = /^(.+):(\d{1,5})$/.exec(listen);
if (!listen) usageError('--listen HOST:PORT is required');
if (!m || Number(m[2]) > 65535) usageError(`--listen must be HOST:PORT, got '${listen}'`);

// After the polyfill: libp2p modules load only now.
const { GossipsubHost } = await import('./host.js');
const { serveEndpointUntilSignal } = await import('../../proto/server.js');

const host = new GossipsubHost();
const report = () => {
  const s = host.stats;
  process.stderr.write(
    `gossipsub-adapter: sent ${Object.values(s.sent).reduce((a, b) => a + b, 0)} envelopes ` +
      `(rumor ${s.sent.rumor}, control ${s.sent.control}; ` +
      `${s.bytes} bytes), delivered ${s.delivered}, stale ${s.stale}\n`,
  );
};
try {
  await serveEndpointUntilSignal(host, listen, report);
} catch (err) {
  process.stderr.write(`gossipsub-adapter: ${(err as Error).message}\n`);
  process.exit(2);
}
process.exit(0);
