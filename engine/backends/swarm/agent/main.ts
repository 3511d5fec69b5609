// The entry point of a swarm run's fault agent and relay, in the kit's image:
//   node /kit/dist/engine/backends/swarm/agent/main.js agent|relay
// Their settings come from the environment (protocol.ts AGENT_ENV).
import { AGENT_ENV, AGENT_PORT, RELAY_PORT } from './protocol.js';
import { startRelay } from './relay.js';
import { startAgent } from './server.js';

function env(name: string): string {
  const v = process.env[name];
  if (!v) {
    process.stderr.write(`gossipcheck agent: ${name} is not set\n`);
    process.exit(2);
  }
  return v;
}

const role = process.argv[2];
const common = { token: env(AGENT_ENV.token), stack: env(AGENT_ENV.stack), subnet: env(AGENT_ENV.subnet) };
const started =
  role === 'agent'
    ? startAgent({ ...common, runId: env(AGENT_ENV.runId), socket: '/var/run/docker.sock', port: AGENT_PORT })
    : role === 'relay'
      ? startRelay({ ...common, port: RELAY_PORT })
      : Promise.reject(new Error(`role must be agent or relay, not ${role}`));
started.then(
  () => process.stdout.write(`gossipcheck ${role} listening\n`),
  (err: Error) => {
    process.stderr.write(`gossipcheck ${role}: ${err.message}\n`);
    process.exit(1);
  },
);
for (const sig of ['SIGTERM', 'SIGINT'] as const) process.on(sig, () => process.exit(0));
