// The swarm run's placement and stack file: pure, so checked on their own.
import { describe, expect, it } from 'vitest';
import { inSubnet } from './agent/protocol.js';
import { byHost, placeNodes, type SwarmHost } from './placement.js';
import { stackYaml } from './stack.js';

const host = (hostname: string, usable = true): SwarmHost => ({
  hostname,
  id: `id-${hostname}`,
  address: `10.1.0.${hostname.length}`,
  role: 'worker',
  usable,
  why: usable ? '' : 'it is down',
});

describe('placeNodes', () => {
  it('goes round-robin over the usable hosts in name order, leaving the others out', () => {
    const p = placeNodes(['n1', 'n2', 'n3', 'n4', 'n5'], [host('c'), host('a'), host('b', false)]);
    expect([...p].map(([n, h]) => `${n}@${h.hostname}`)).toEqual(['n1@a', 'n2@c', 'n3@a', 'n4@c', 'n5@a']);
    expect(byHost(p)).toEqual([
      { host: 'a', nodes: ['n1', 'n3', 'n5'] },
      { host: 'c', nodes: ['n2', 'n4'] },
    ]);
  });

  it('refuses a swarm where no host takes tasks', () => {
    expect(() => placeNodes(['n1'], [host('a', false)])).toThrow(/no swarm node takes tasks/);
  });
});

describe('stackYaml', () => {
  const placement = placeNodes(['n1', 'n2'], [host('a'), host('b')]);
  const spec = {
    runId: 'r1',
    stack: 'st',
    image: 'user/img:1',
    agentImage: 'kit:1',
    nodes: ['n1', 'n2'],
    placement,
    port: 7000,
    published: new Map([
      ['n1', 30001],
      ['n2', 30002],
    ]),
    env: { EXTRA: 'x' },
    network: 'gossipcheck-r1',
    subnet: '10.9.0.0/24',
    token: 'secret',
    agentSocket: '/run/{{.Node.Hostname}}/docker.sock',
    transport: 'harness' as const,
  };
  const yaml = stackYaml(spec);

  it('pins each node to its host, publishes its port in host mode, no VIP', () => {
    const n2 = yaml.slice(yaml.indexOf('  n2:'), yaml.indexOf('  agent:'));
    expect(n2).toContain('constraints: ["node.hostname == b"]');
    expect(n2).toContain('{ target: 7000, published: 30002, protocol: tcp, mode: host }');
    expect(n2).toContain('endpoint_mode: dnsrr');
    expect(n2).toContain('condition: none');
    expect(n2).toContain('image: "user/img:1"');
    expect(n2).toContain('EXTRA: "x"');
    expect(n2).toContain('GOSSIPCHECK_TRANSPORT: "harness"');
  });

  it('runs one agent per host from the kit image with the run token, the socket template and the subnet', () => {
    const agent = yaml.slice(yaml.indexOf('  agent:'), yaml.indexOf('networks:\n'));
    expect(agent).toContain('mode: global');
    expect(agent).toContain('image: "kit:1"');
    expect(agent).toContain('GOSSIPCHECK_AGENT_TOKEN: "secret"');
    expect(agent).toContain('GOSSIPCHECK_AGENT_SUBNET: "10.9.0.0/24"');
    expect(agent).toContain('source: "/run/{{.Node.Hostname}}/docker.sock", target: /var/run/docker.sock');
    expect(agent).not.toContain('ports:');
    // The harness transport needs no privilege beyond the socket.
    expect(agent).not.toContain('cap_add');
    expect(agent).not.toContain('/proc');
    expect(yaml).toMatch(/networks:\n {2}gossipcheck-r1:\n {4}external: true/);
  });

  it('on the direct transport, tells the nodes so and gives the agents the host /proc and the namespace capabilities', () => {
    const direct = stackYaml({ ...spec, transport: 'direct' });
    const n1 = direct.slice(direct.indexOf('  n1:'), direct.indexOf('  n2:'));
    expect(n1).toContain('GOSSIPCHECK_TRANSPORT: "direct"');
    const agent = direct.slice(direct.indexOf('  agent:'), direct.indexOf('networks:\n'));
    expect(agent).toContain('{ type: bind, source: /proc, target: /host/proc, read_only: true }');
    expect(agent).toContain('cap_add: [NET_ADMIN, SYS_ADMIN]');
  });

  it('labels every service and container with the run', () => {
    // Two label blocks (container, deploy) per service, three services.
    expect(yaml.match(/gossipcheck\.run: "r1"/g)?.length).toBe(6);
  });
});

describe('inSubnet', () => {
  it.each([
    ['10.0.3.7', '10.0.3.0/24', true],
    ['10.0.4.7', '10.0.3.0/24', false],
    ['10.0.4.7', '10.0.0.0/16', true],
    ['127.0.0.1', '127.0.0.0/8', true],
    ['1.2.3.4', '0.0.0.0/0', true],
    ['10.0.3.256', '10.0.3.0/24', false],
    ['nonsense', '10.0.3.0/24', false],
    ['10.0.3.1', '10.0.3.0/33', false],
  ])('%s in %s: %s', (ip, cidr, want) => {
    expect(inSubnet(ip, cidr)).toBe(want);
  });
});
