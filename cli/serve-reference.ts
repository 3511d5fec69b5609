// `gossipcheck serve-reference`: the reference node as a GossipNode endpoint
// (one process, many nodes), in both clock modes: lockstep (Tick) and
// realtime (own timers; envelopes go to the harness_address of Init, or with
// --peer-port straight to peers at NODE_ID:PORT). Prints "listening on
// HOST:PORT" once ready. --fixture serves a deliberately broken reference
// instead (either clock mode), so an implementer can see what a failure looks like.
import { VARIANTS } from '../proto/contract.js';
import { BROKEN_FIXTURES } from '../reference/broken/index.js';
import { serveUntilSignal } from '../reference/realtime/server.js';
import { choiceFlag, intFlag, listenFlag, parseFlags, printHelp, UsageError } from './usage.js';

const FIXTURE_NAMES = BROKEN_FIXTURES.map((f) => f.name);

const HELP = `usage: gossipcheck serve-reference [--listen HOST:PORT] [--variant V] [--peer-port PORT]
       gossipcheck serve-reference --fixture NAME [--listen HOST:PORT] [--peer-port PORT]

Serves the built-in reference node as a GossipNode gRPC endpoint: one process,
every node of a run. Prints "listening on HOST:PORT" once it accepts calls and
serves until SIGINT / SIGTERM. Use it as an --impl command:

  gossipcheck run --impl "gossipcheck serve-reference --listen {listen}"

  --listen HOST:PORT   where to listen (default $GOSSIPCHECK_LISTEN, else 127.0.0.1:0)
  --variant V          serve and declare only variant V: ${VARIANTS.join(', ')}
  --peer-port PORT     realtime without a harness: send straight to peers at NODE_ID:PORT
  --fixture NAME       the reference with one deliberate bug, either clock mode (each caught by one case;
                       also $GOSSIPCHECK_REFERENCE_FIXTURE):
${BROKEN_FIXTURES.map((f) => `                         ${f.name.padEnd(28)} ${f.variant}, caught by ${f.caughtBy}`).join('\n')}
  -h, --help           this help`;

export async function serveReference(argv: string[]): Promise<number> {
  const { values } = parseFlags(argv, {
    listen: { type: 'string' },
    variant: { type: 'string' },
    fixture: { type: 'string' },
    'peer-port': { type: 'string' },
  });
  if (printHelp(values, HELP)) return 0;
  const listen = listenFlag(values.listen ?? process.env.GOSSIPCHECK_LISTEN ?? '127.0.0.1:0');
  const fixture = choiceFlag(
    'fixture',
    values.fixture ?? (process.env.GOSSIPCHECK_REFERENCE_FIXTURE || undefined),
    FIXTURE_NAMES,
  );
  if (fixture && values.variant)
    throw new UsageError('--fixture runs the reference with one bug; drop --variant');
  const variant = choiceFlag('variant', values.variant, VARIANTS);
  const peerPortRaw = values['peer-port'] ?? process.env.GOSSIPCHECK_PEER_PORT;
  return serveUntilSignal({
    listen,
    ...(variant ? { variants: [variant] } : {}),
    ...(fixture ? { fixture } : {}),
    ...(peerPortRaw !== undefined ? { peerPort: intFlag('peer-port', peerPortRaw, 0, 1, 65535) } : {}),
  });
}
