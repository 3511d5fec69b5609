// Beyond one machine: the compose file `gossipcheck chaos` generates deploys
// unchanged to Docker Swarm (`docker stack deploy`). On one machine: init a
// swarm, deploy the kit's own compose file of reference nodes, check every
// service runs and a node reaches its peers by service name over the overlay
// network, then remove the stack and leave the swarm. Skipped when a swarm is
// already active (we do not touch a swarm we did not make).
import { execFileSync, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDirs } from '../../testing/cli.js';
import { composeYaml } from './compose.js';
import { ensureBaseImage, NODE_PORT } from './image.js';

const KIT_ROOT = process.cwd();
const NODES = ['n1', 'n2', 'n3'];
const STACK = `gcswarm${process.pid}`;
const TAG = `gossipcheck-swarm-test:${process.pid}`;

const docker = (...args: string[]) => execFileSync('docker', args, { encoding: 'utf8' }).trim();
const quiet = (...args: string[]) => spawnSync('docker', args, { stdio: 'ignore' });

function swarmState(): string {
  const res = spawnSync('docker', ['info', '--format', '{{.Swarm.LocalNodeState}}'], { encoding: 'utf8' });
  return res.status === 0 ? res.stdout.trim() : 'no-docker';
}

async function until(what: string, ok: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

const stackLeft = () =>
  docker('ps', '-aq', '--filter', `label=com.docker.stack.namespace=${STACK}`) +
  docker('network', 'ls', '-q', '--filter', `label=com.docker.stack.namespace=${STACK}`);

const skip = process.env.GOSSIPCHECK_DOCKER_TESTS === '0' || swarmState() !== 'inactive';

describe.skipIf(skip)('the chaos compose file on Docker Swarm', () => {
  const dirs = tempDirs();
  let joined = false;
  let hadGwbridge = false;

  afterAll(async () => {
    if (joined) {
      quiet('stack', 'rm', STACK);
      await until('the stack to go', () => stackLeft() === '', 60_000).catch(() => {});
      quiet('swarm', 'leave', '--force');
      // swarm init made this bridge; leave does not remove it.
      if (!hadGwbridge) quiet('network', 'rm', 'docker_gwbridge');
    }
    quiet('rmi', TAG);
    dirs.cleanup();
  }, 120_000);

  it('deploys with docker stack deploy; every node runs and reaches its peers by name', async () => {
    const base = await ensureBaseImage(KIT_ROOT);
    // A tag of our own: another test removing the base image cannot pull it from under the stack.
    docker('tag', base.tag, TAG);
    const file = join(dirs.make(), 'compose.yml');
    writeFileSync(
      file,
      composeYaml({
        runId: STACK,
        image: TAG,
        nodes: NODES,
        port: NODE_PORT,
        transport: 'direct',
        env: {},
      }),
    );
    hadGwbridge = docker('network', 'ls', '-q', '--filter', 'name=^docker_gwbridge$') !== '';
    docker('swarm', 'init', '--advertise-addr', '127.0.0.1');
    joined = true;
    docker('stack', 'deploy', '-c', file, STACK);

    const replicas = () => docker('stack', 'services', STACK, '--format', '{{.Replicas}}').split('\n');
    await until(
      'every service to run',
      () => {
        const r = replicas();
        return r.length === NODES.length && r.every((x) => x.startsWith('1/1'));
      },
      60_000,
    );

    // From n1's container, open a TCP connection to each peer's GossipNode port by service name.
    const n1 = docker('ps', '-q', '--filter', `label=com.docker.swarm.service.name=${STACK}_n1`);
    expect(n1).not.toBe('');
    const probe = `let left=${NODES.length - 1};for(const p of ${JSON.stringify(NODES.slice(1))})require('net').connect(${NODE_PORT},p).on('connect',function(){this.end();if(--left===0)process.exit(0)}).on('error',e=>{console.error(p,e.message);process.exit(1)});setTimeout(()=>process.exit(2),10000)`;
    const reach = spawnSync('docker', ['exec', n1, '/usr/bin/node', '-e', probe], { encoding: 'utf8' });
    expect(reach.status, reach.stderr).toBe(0);

    // The network is the stack's overlay network, not a local bridge.
    const net = docker(
      'network',
      'ls',
      '--filter',
      `label=com.docker.stack.namespace=${STACK}`,
      '--format',
      '{{.Driver}}',
    );
    expect(net).toBe('overlay');
  }, 180_000);

  it('removes the stack and leaves the swarm, leaving nothing behind', async () => {
    expect(joined).toBe(true);
    docker('stack', 'rm', STACK);
    await until('the stack to go', () => stackLeft() === '', 60_000);
    docker('swarm', 'leave', '--force');
    joined = false;
    if (!hadGwbridge) quiet('network', 'rm', 'docker_gwbridge');
    expect(swarmState()).toBe('inactive');
    expect(stackLeft()).toBe('');
  }, 120_000);
});
