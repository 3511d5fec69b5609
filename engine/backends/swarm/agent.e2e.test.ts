// The fault agent, the relay and the harness's client together, against the
// real local docker engine (no swarm needed: a container labelled as a
// swarm task of the stack stands for a node's task). Overlay-only is played
// by the subnet 127.0.0.0/8: the agent binds there and the relay dials
// nothing else.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo, Server as NetServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBaseImageForTests } from '../../testing/docker.js';
import type { AgentInfo, Leftovers, OpResult } from './agent/protocol.js';
import { startRelay } from './agent/relay.js';
import { startAgent } from './agent/server.js';
import { AgentError, AgentRelay } from './agent-client.js';

const skip = process.env.GOSSIPCHECK_DOCKER_TESTS === '0';
const SOCKET = process.env.DOCKER_HOST?.startsWith('unix://')
  ? process.env.DOCKER_HOST.slice('unix://'.length)
  : '/var/run/docker.sock';
const RUN = randomBytes(4).toString('hex');
const STACK = `gcagent${RUN}`;
const TOKEN = randomBytes(16).toString('hex');
const docker = (...args: string[]) => spawnSync('docker', args, { encoding: 'utf8' });

describe.skipIf(skip)('the swarm fault agent on a real docker engine', () => {
  let agents: Server[] = [];
  let relay: NetServer | null = null;
  let client: AgentRelay;
  let agentPort = 0;
  let relayPort = 0;
  let engineName = '';

  beforeAll(async () => {
    const tag = await ensureBaseImageForTests();
    const run = docker(
      'run',
      '-d',
      '--name',
      `gcagent-${RUN}`,
      '--label',
      `com.docker.swarm.service.name=${STACK}_n1`,
      '--label',
      `gossipcheck.run=${RUN}`,
      tag,
      '/usr/bin/node',
      '-e',
      'setInterval(() => {}, 1e9)',
    );
    expect(run.status, run.stderr).toBe(0);
    engineName = docker('info', '--format', '{{.Name}}').stdout.trim();
    agents = await startAgent({
      token: TOKEN,
      runId: RUN,
      stack: STACK,
      socket: SOCKET,
      subnet: '127.0.0.0/8',
      port: 0,
    });
    agentPort = (agents[0]!.address() as AddressInfo).port;
    relay = await startRelay({ token: TOKEN, stack: STACK, subnet: '127.0.0.0/8', port: 0, agentPort });
    relayPort = (relay.address() as AddressInfo).port;
    client = new AgentRelay('127.0.0.1', relayPort, TOKEN, 10_000, agentPort);
  }, 300_000);

  afterAll(() => {
    for (const a of agents) a.close();
    relay?.close();
    docker('rm', '-f', `gcagent-${RUN}`);
  });

  it('binds only its addresses on the given subnet', () => {
    expect(agents.map((a) => (a.address() as AddressInfo).address)).toEqual(['127.0.0.1']);
  });

  it("pauses, unpauses and kills the node's container on its host and counts each", async () => {
    const info0 = await client.call<AgentInfo>('127.0.0.1', 'GET', '/info');
    expect(info0).toEqual({ host: engineName, ops: {} });
    const paused = await client.call<OpResult>('127.0.0.1', 'POST', '/op/pause/n1');
    expect(paused.state).toBe('paused');
    expect(docker('inspect', '--format', '{{.State.Status}}', `gcagent-${RUN}`).stdout.trim()).toBe('paused');
    // A paused container is killed too (unpaused first, as docker will not kill it paused).
    const killed = await client.call<OpResult>('127.0.0.1', 'POST', '/op/kill/n1');
    expect(killed.state).toBe('exited');
    expect(docker('inspect', '--format', '{{.State.ExitCode}}', `gcagent-${RUN}`).stdout.trim()).toBe('137');
    const info = await client.call<AgentInfo>('127.0.0.1', 'GET', '/info');
    expect(info.ops).toEqual({ n1: { pause: 1, unpause: 0, kill: 1 } });
    const left = await client.call<Leftovers>('127.0.0.1', 'GET', '/leftovers');
    expect(left).toEqual({ host: engineName, containers: [`${STACK}_n1 (exited)`] });
  });

  it('says which node and host when there is nothing to act on', async () => {
    const err = await client.call('127.0.0.1', 'POST', '/op/unpause/n9').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AgentError);
    expect((err as AgentError).status).toBe(404);
    expect((err as Error).message).toContain(`no container of n9 on ${engineName} to unpause`);
  });

  it('refuses a wrong token at the relay and at the agent, and acts on nothing', async () => {
    const wrong = new AgentRelay('127.0.0.1', relayPort, 'x'.repeat(TOKEN.length), 10_000, agentPort);
    await expect(wrong.call('127.0.0.1', 'POST', '/op/kill/n1')).rejects.toThrow(/relay: wrong token/);
    await expect(wrong.agents()).rejects.toThrow(/relay: wrong token/);
    // Straight to the agent (past the relay) with a wrong token: 401.
    const res = await fetch(`http://127.0.0.1:${agentPort}/op/kill/n1`, {
      method: 'POST',
      headers: { authorization: 'Bearer nope' },
    });
    expect(res.status).toBe(401);
    const info = await client.call<AgentInfo>('127.0.0.1', 'GET', '/info');
    expect(info.ops.n1?.kill).toBe(1);
  });

  it('dials nothing but an agent port on the subnet', async () => {
    await expect(client.call('10.255.255.1', 'GET', '/info')).rejects.toThrow(
      /not an agent: 10\.255\.255\.1/,
    );
    const other = new AgentRelay('127.0.0.1', relayPort, TOKEN, 10_000, relayPort);
    await expect(other.call('127.0.0.1', 'GET', '/info')).rejects.toThrow(/not an agent/);
  });
});
