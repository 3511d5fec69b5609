// The scuttlebutt adapter as a GossipNode gRPC endpoint: one process hosting
// every node of a run (host.ts). Prints "listening on HOST:PORT" once ready;
// serves until SIGINT / SIGTERM. Bad flags: one line on stderr, exit 2.
import { parseArgs } from 'node:util';
import { serveEndpointUntilSignal } from '../../proto/server.js';
import { ScuttlebuttHost } from './host.js';
import { CLOCK_MODELS, type ClockModel } from './library.js';

const HELP = `usage: node dist/adapters/scuttlebutt/main.js [--listen HOST:PORT]

Serves the npm library scuttlebutt (one Model per node) as a gossipcheck
GossipNode endpoint, lockstep only, variant anti-entropy-push-pull:

  gossipcheck run --impl "node dist/adapters/scuttlebutt/main.js --listen {listen}"

  --listen HOST:PORT   where to listen (default $GOSSIPCHECK_LISTEN, else 127.0.0.1:0)
  --clock MODEL        how writes read the wall clock (README.md, "Clock"):
                         shared    one library copy, one logical clock, every timestamp
                                   distinct (default)
                         per-node  a library copy per node (as separate processes), all
                                   reading the lockstep round as wall time, 1000 ms a round
  -h, --help           this help`;

function usage(message: string): never {
  process.stderr.write(`scuttlebutt adapter: ${message} (see --help)\n`);
  process.exit(2);
}

async function main(): Promise<number> {
  let values: { listen?: string; clock?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: process.argv.slice(2),
      options: {
        listen: { type: 'string' },
        clock: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    usage(err instanceof Error ? err.message : String(err));
  }
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  const listen = values.listen ?? process.env.GOSSIPCHECK_LISTEN ?? '127.0.0.1:0';
  const m = /^(.+):(\d{1,5})$/.exec(listen);
  if (!m || Number(m[2]) > 65535) usage(`--listen wants HOST:PORT, got ${JSON.stringify(listen)}`);

  const clock = (values.clock ?? 'shared') as ClockModel;
  if (!CLOCK_MODELS.includes(clock))
    usage(`--clock wants one of ${CLOCK_MODELS.join(', ')}, got ${JSON.stringify(values.clock)}`);

  const host = new ScuttlebuttHost(clock);
  try {
    await serveEndpointUntilSignal(host, listen);
  } catch (err) {
    process.stderr.write(`scuttlebutt adapter: ${err instanceof Error ? err.message : String(err)}\n`);
    return 2;
  }
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`scuttlebutt adapter: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
