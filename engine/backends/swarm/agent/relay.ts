// The harness's one door into a swarm run's overlay (protocol.ts): a
// container on the overlay, on the manager host, that pipes a connection to
// one agent after the run's token, or tells where the agents are. It dials
// nothing but agents' ports on the overlay.
import { timingSafeEqual } from 'node:crypto';
import { lookup } from 'node:dns/promises';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { AGENT_PORT, firstLine, inSubnet } from './protocol.js';

export interface RelayOptions {
  token: string;
  stack: string;
  subnet: string;
  port: number;
  /** The agents' port (default AGENT_PORT). */
  agentPort?: number;
}

const FIRST_LINE_MAX = 512;
const FIRST_LINE_MS = 5000;
const CONNECT_MS = 3000;

export function startRelay(o: RelayOptions): Promise<Server> {
  const token = Buffer.from(o.token);
  const agentPort = o.agentPort ?? AGENT_PORT;
  const server = createServer((sock) => {
    sock.on('error', () => {});
    firstLine(sock, FIRST_LINE_MAX, FIRST_LINE_MS).then(
      ({ line, rest }) => {
        const [given = '', target = ''] = line.split(' ');
        const g = Buffer.from(given);
        if (g.length !== token.length || !timingSafeEqual(g, token)) {
          refuse(sock, 'wrong token');
          return;
        }
        if (target === '?agents') {
          lookup(`tasks.${o.stack}_agent`, { all: true, family: 4 }).then(
            (list) => sock.end(`${JSON.stringify(list.map((a) => a.address).sort())}\n`),
            () => sock.end('[]\n'),
          );
          return;
        }
        pipeToAgent(sock, target, rest);
      },
      (err: Error) => refuse(sock, err.message),
    );
  });
  const pipeToAgent = (sock: Socket, target: string, rest: Buffer): void => {
    const [ip = '', port = ''] = target.split(':');
    if (!inSubnet(ip, o.subnet) || Number(port) !== agentPort) {
      refuse(sock, `not an agent: ${target}`);
      return;
    }
    const up = connect(agentPort, ip);
    let piped = false;
    // A gone agent's address may not answer at all: say so soon rather than at TCP's timeout.
    up.setTimeout(CONNECT_MS, () => up.destroy(new Error(`no connection in ${CONNECT_MS} ms`)));
    up.once('connect', () => {
      piped = true;
      up.setTimeout(0);
      sock.write('OK\n');
      if (rest.length > 0) up.write(rest);
      sock.pipe(up);
      up.pipe(sock);
      sock.resume();
    });
    up.on('error', (err) => (piped ? sock.destroy() : refuse(sock, `${target}: ${err.message}`)));
    sock.on('error', () => up.destroy());
    sock.on('close', () => up.destroy());
    up.on('close', () => piped && sock.destroy());
  };
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, '0.0.0.0', () => resolve(server));
  });
}

function refuse(sock: Socket, why: string): void {
  sock.end(`ERR ${why}\n`);
}
