// `gossipcheck serve-reference`: the reference node as a GossipNode endpoint
// (one process, many nodes), in both clock modes: lockstep (Tick) and
// realtime (own timers; envelopes go to the harness_address of Init, or with
// --peer-port straight to peers at NODE_ID:PORT). Prints "listening on
// HOST:PORT" once ready.
import { VARIANTS } from '../../proto/contract.js';
import { BROKEN_MODES } from '../../reference/realtime/host.js';
import { serveUntilSignal } from '../../reference/realtime/server.js';
import { choiceFlag, intFlag, listenFlag, parseFlags } from './usage.js';

export async function serveReference(argv: string[]): Promise<number> {
  const { values } = parseFlags(argv, {
    listen: { type: 'string' },
    variant: { type: 'string' },
    broken: { type: 'string' },
    'peer-port': { type: 'string' },
  });
  const listen = listenFlag(values.listen ?? process.env.GOSSIPCHECK_LISTEN ?? '127.0.0.1:0');
  const variant = choiceFlag('variant', values.variant, VARIANTS);
  const broken = choiceFlag(
    'broken',
    values.broken ?? (process.env.GOSSIPCHECK_REFERENCE_BROKEN || undefined),
    BROKEN_MODES,
  );
  const peerPortRaw = values['peer-port'] ?? process.env.GOSSIPCHECK_PEER_PORT;
  return serveUntilSignal({
    listen,
    ...(variant ? { variants: [variant] } : {}),
    ...(broken ? { broken } : {}),
    ...(peerPortRaw !== undefined ? { peerPort: intFlag('peer-port', peerPortRaw, 0, 1, 65535) } : {}),
  });
}
