// A deliberately broken IUT for the harness's own tests: the reference node
// behind gRPC, except that it misbehaves as asked.
//   hang-tick      Tick never answers
//   exit-mid-run   the process exits on the 5th Tick
// Usage: node broken-endpoint.js MODE [--marker ANY] (listens on $GOSSIPCHECK_LISTEN)
import type { Envelope, NodeId } from '../../proto/contract.js';
import { serveGossipNode } from '../../proto/server.js';
import { ReferenceHost } from '../../reference/host.js';

class BrokenHost extends ReferenceHost {
  private ticks = 0;
  constructor(private readonly mode: string) {
    super({ implementation: `broken-${mode}` });
  }

  override async tick(nodes: NodeId[]): Promise<Envelope[]> {
    this.ticks++;
    if (this.mode === 'hang-tick') return new Promise<Envelope[]>(() => {});
    if (this.mode === 'exit-mid-run' && this.ticks === 5) process.exit(3);
    return super.tick(nodes);
  }
}

const mode = process.argv[2] ?? '';
if (!['hang-tick', 'exit-mid-run'].includes(mode)) {
  process.stderr.write(`unknown mode '${mode}'\n`);
  process.exit(2);
}
const listen = process.env.GOSSIPCHECK_LISTEN ?? '127.0.0.1:0';
await serveGossipNode(new BrokenHost(mode), listen);
// A hung Tick keeps nothing alive by itself; the server does until killed.
