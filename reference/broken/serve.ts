// Serves one broken fixture over gRPC: node dist/reference/broken/serve.js NAME
// (listens on $GOSSIPCHECK_LISTEN, default 127.0.0.1:0; prints the bound address).
import { serveGossipNode } from '../../proto/server.js';
import { BROKEN_FIXTURES, brokenFixture, makeBrokenHost } from './index.js';

const name = process.argv[2] ?? '';
if (!brokenFixture(name)) {
  process.stderr.write(
    `unknown broken fixture '${name}'; expected one of:\n${BROKEN_FIXTURES.map((f) => `  ${f.name}`).join('\n')}\n`,
  );
  process.exit(2);
}
const listen = process.env.GOSSIPCHECK_LISTEN ?? '127.0.0.1:0';
const server = await serveGossipNode(makeBrokenHost(name), listen);
process.stdout.write(`${server.address}\n`);
