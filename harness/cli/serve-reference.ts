// `gossipcheck serve-reference`: the reference node as a GossipNode endpoint
// (one process, many nodes). Prints "listening on HOST:PORT" once ready.
import { VARIANTS } from '../../proto/contract.js';
import { serveGossipNode } from '../../proto/server.js';
import { ReferenceHost } from '../../reference/host.js';
import { choiceFlag, listenFlag, parseFlags } from './usage.js';

export async function serveReference(argv: string[]): Promise<number> {
  const { values } = parseFlags(argv, { listen: { type: 'string' }, variant: { type: 'string' } });
  const listen = listenFlag(values.listen ?? process.env.GOSSIPCHECK_LISTEN ?? '127.0.0.1:0');
  const variant = choiceFlag('variant', values.variant, VARIANTS);
  const host = new ReferenceHost(variant ? { variants: [variant] } : {});
  const server = await serveGossipNode(host, listen);
  process.stdout.write(`listening on ${server.address}\n`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await server.close();
  return 0;
}
