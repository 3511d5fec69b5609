// A chaos run's nodes on a Docker Swarm: deploys the run's stack (stack.ts)
// from a manager, waits until every node runs on its host and every host's
// fault agent answers, and then does a node's faults where the node is:
// pause, unpause and kill by the agent on its host (agent/server.ts, through
// the relay), a restart by the orchestrator (a new task, pinned to the same
// host). Teardown removes the nodes, checks through each host's agent that
// nothing of the run is left there, then removes the agents, the relay and
// the network, and returns what it could not remove or not check.
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { NodeId } from '../../../proto/contract.js';
import { type EdgeCounters, type LossRule, sumEdges } from '../../netfilter/edge-rules.js';
import { onCleanup } from '../cleanup.js';
import { docker, idsByLabelSync, runSync } from '../docker/exec.js';
import { sweepRunSync } from '../docker/sweep.js';
import { LABEL, runLabels } from '../owner.js';
import {
  AGENT_ENV,
  type AgentInfo,
  type Leftovers,
  type NodeOp,
  type OpCounts,
  type OpResult,
  RELAY_PORT,
  ROLE_LABEL,
} from './agent/protocol.js';
import { AgentError, AgentRelay } from './agent-client.js';
import { type Placement, placeNodes, type SwarmHost } from './placement.js';
import { AGENT_MAIN, AGENT_SERVICE, stackYaml } from './stack.js';
import { swarmView } from './swarm-info.js';

export interface SwarmClusterOptions {
  runId: string;
  /** The stack's name (default gossipcheck-<run id>). */
  stack: string;
  image: string;
  agentImage: string;
  nodes: readonly NodeId[];
  port: number;
  env: Readonly<Record<string, string>>;
  /** Where stack.yml is written (and kept). */
  dir: string;
  agentSocket: string;
  /** direct: nodes call each other on the overlay, and the agents do the link faults in their namespaces. */
  transport: 'harness' | 'direct';
  /** Where nodes reach the harness; default the manager's swarm address. */
  harnessHost?: string;
  readyTimeoutMs?: number;
  log?: (line: string) => void;
}

interface TaskRow {
  Name: string;
  Node: string;
  CurrentState: string;
  DesiredState: string;
  Error: string;
}

/** One host's part of the run, for the report. */
export interface HostReport {
  host: string;
  address: string;
  nodes: NodeId[];
  /** What its agent says it did, by node. */
  ops: Record<string, OpCounts>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class SwarmCluster {
  private relay: AgentRelay | null = null;
  private readonly agentAt = new Map<string, string>();
  private readonly requested = new Map<NodeId, OpCounts>();
  private unregister: () => void = () => {};
  private hosts: SwarmHost[] = [];
  placement: Placement = new Map();
  harnessHost = '';
  readonly network: string;
  readonly stackFile: string;
  private readonly published = new Map<NodeId, number>();
  private deployed = false;

  private constructor(readonly o: SwarmClusterOptions) {
    this.network = `gossipcheck-${o.runId}`;
    this.stackFile = join(o.dir, 'stack.yml');
    // A port range per run (host mode: each node's port on its own host); the run id spreads concurrent runs.
    const base = 20_000 + (Number.parseInt(o.runId.slice(0, 6), 16) % 30_000);
    for (const [i, n] of o.nodes.entries()) this.published.set(n, base + i);
  }

  private log(s: string): void {
    this.o.log?.(s);
  }

  static async start(o: SwarmClusterOptions): Promise<SwarmCluster> {
    const c = new SwarmCluster(o);
    c.unregister = onCleanup(() => sweepSwarmRunSync(o.runId));
    try {
      await c.up();
      return c;
    } catch (err) {
      const left = await c.teardown();
      if (left.length > 0) c.log(`could not remove: ${left.join('; ')}`);
      throw err;
    }
  }

  private async up(): Promise<void> {
    const view = await swarmView();
    this.hosts = view.hosts;
    for (const h of view.hosts.filter((x) => !x.usable))
      this.log(`swarm node ${h.hostname}: ${h.why}; no node runs there`);
    this.placement = placeNodes(this.o.nodes, view.hosts);
    this.harnessHost = this.o.harnessHost ?? view.managerAddress;
    const token = randomBytes(24).toString('hex');
    const labels = Object.entries(runLabels(this.o.runId)).flatMap(([k, v]) => ['--label', `${k}=${v}`]);
    await docker(['network', 'create', '--driver', 'overlay', '--attachable', ...labels, this.network]);
    const subnet = (
      await docker([
        'network',
        'inspect',
        '--format',
        '{{range .IPAM.Config}}{{.Subnet}}{{end}}',
        this.network,
      ])
    ).trim();
    if (!/^\d+\.\d+\.\d+\.\d+\/\d+$/.test(subnet))
      throw new Error(`the overlay ${this.network} has no IPv4 subnet (${subnet})`);
    await writeFile(
      this.stackFile,
      stackYaml({
        ...this.o,
        published: this.published,
        placement: this.placement,
        network: this.network,
        subnet,
        token,
      }),
    );
    this.deployed = true;
    await docker(
      ['stack', 'deploy', '--resolve-image', 'never', '--prune', '-c', this.stackFile, this.o.stack],
      {
        timeoutMs: 120_000,
      },
    );
    const relayName = `gossipcheck-relay-${this.o.runId}`;
    const agentEnv = {
      [AGENT_ENV.token]: token,
      [AGENT_ENV.stack]: this.o.stack,
      [AGENT_ENV.subnet]: subnet,
    };
    await docker([
      'run',
      '-d',
      '--name',
      relayName,
      ...labels,
      '--label',
      `${ROLE_LABEL}=relay`,
      '--network',
      this.network,
      '-p',
      `${view.managerAddress}::${RELAY_PORT}`,
      ...Object.entries(agentEnv).flatMap(([k, v]) => ['-e', `${k}=${v}`]),
      this.o.agentImage,
      '/usr/bin/node',
      AGENT_MAIN,
      'relay',
    ]);
    const bound = (await docker(['port', relayName, `${RELAY_PORT}/tcp`])).split('\n')[0]?.trim() ?? '';
    const m = /^(.*):(\d+)$/.exec(bound);
    if (!m) throw new Error(`the relay published no port (${bound})`);
    this.relay = new AgentRelay(m[1]!, Number(m[2]), token);
    await this.waitRunning(this.o.readyTimeoutMs ?? 120_000);
    await this.findAgents(
      this.hosts.filter((h) => h.usable).map((h) => h.hostname),
      this.o.readyTimeoutMs ?? 120_000,
    );
    if (this.o.transport === 'direct') await this.installNet();
  }

  private async tasks(): Promise<TaskRow[]> {
    const out = await docker(['stack', 'ps', this.o.stack, '--no-trunc', '--format', '{{json .}}']);
    return out
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as TaskRow);
  }

  /** Every node service's task and one agent per usable host running; a task that failed is the error. */
  private async waitRunning(timeoutMs: number): Promise<void> {
    const end = Date.now() + timeoutMs;
    const usable = this.hosts.filter((h) => h.usable).map((h) => h.hostname);
    for (;;) {
      const rows = await this.tasks();
      const service = (r: TaskRow) => r.Name.slice(this.o.stack.length + 1).split('.')[0] ?? '';
      for (const r of rows) {
        if (r.DesiredState === 'Shutdown' && r.Error)
          throw new Error(
            taskError(service(r), r, service(r) === AGENT_SERVICE ? this.o.agentImage : this.o.image),
          );
      }
      const missingNodes = this.o.nodes.filter(
        (n) => !runningOn(rows, `${this.o.stack}_${n}`, this.placement.get(n)!.hostname),
      );
      const missingAgents = usable.filter((h) => !runningOn(rows, `${this.o.stack}_${AGENT_SERVICE}`, h));
      if (missingNodes.length === 0 && missingAgents.length === 0) return;
      if (Date.now() > end) {
        const pending = rows
          .filter((r) => !r.CurrentState.startsWith('Running'))
          .map((r) => `${r.Name}: ${r.CurrentState} ${r.Error}`.trim());
        throw new Error(
          `swarm: not running after ${timeoutMs / 1000}s: ${[...missingNodes, ...missingAgents.map((h) => `agent on ${h}`)].join(', ')}${pending.length ? ` (${pending.slice(0, 3).join('; ')})` : ''}`,
        );
      }
      await sleep(500);
    }
  }

  /** Learns which overlay address is the agent of each of `hosts` (forgetting what it knew of them). */
  private async findAgents(hosts: readonly string[], timeoutMs: number): Promise<void> {
    const relay = this.relay!;
    for (const h of hosts) this.agentAt.delete(h);
    const end = Date.now() + timeoutMs;
    let last = '';
    for (;;) {
      let ips: string[] = [];
      try {
        ips = await relay.agents();
      } catch (err) {
        // The relay's process may not listen yet: asked again until the deadline.
        last = ` (${(err as Error).message})`;
      }
      for (const ip of ips) {
        if ([...this.agentAt.values()].includes(ip)) continue;
        try {
          const info = await relay.call<AgentInfo>(ip, 'GET', '/info');
          if (hosts.includes(info.host)) this.agentAt.set(info.host, ip);
        } catch (err) {
          // A wrong token is the run's error; an agent not listening yet is asked again.
          if (err instanceof AgentError && err.status === 401)
            throw new AgentError(`the fault agent at ${ip} refused the run's token (401)`, 401);
          last = ` (${(err as Error).message})`;
        }
      }
      const missing = hosts.filter((h) => !this.agentAt.has(h));
      if (missing.length === 0) return;
      if (Date.now() > end) throw new AgentError(`no fault agent answers on ${missing.join(', ')}${last}`);
      await sleep(500);
    }
  }

  /**
   * One request to the agent of `host`. An agent that no longer answers at its
   * address is looked for again once (its task may have been replaced); one
   * that is gone, or refuses the token, is an AgentError naming the host.
   */
  private async agentCall<T>(host: string, method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
    const relay = this.relay;
    const ip = this.agentAt.get(host);
    if (!relay || !ip) throw new AgentError(`no fault agent on ${host}`);
    try {
      return await relay.call<T>(ip, method, path, body);
    } catch (err) {
      const status = err instanceof AgentError ? err.status : 0;
      if (status === 401)
        throw new AgentError(`the fault agent on ${host} refused the run's token (401)`, 401);
      if (status !== 0) throw err;
      try {
        await this.findAgents([host], 5000);
      } catch (again) {
        if ((again as AgentError).status === 401) throw again;
        throw new AgentError(
          `the fault agent on ${host} is gone: ${(err as Error).message}; ${(again as Error).message}`,
          (again as AgentError).status ?? 0,
        );
      }
      return relay.call<T>(this.agentAt.get(host)!, method, path, body);
    }
  }

  /** The hosts that run nodes, in name order. */
  private nodeHosts(): string[] {
    return [...new Set([...this.placement.values()].map((h) => h.hostname))].sort();
  }

  /** Direct transport: every node's overlay address, then each host's chains in its nodes' namespaces. */
  private async installNet(): Promise<void> {
    const ips: Record<string, string> = {};
    for (const h of this.nodeHosts())
      Object.assign(ips, await this.agentCall<Record<string, string>>(h, 'GET', '/net/addresses'));
    const missing = this.o.nodes.filter((n) => !ips[n]);
    if (missing.length > 0) throw new Error(`swarm: no overlay address for ${missing.join(', ')}`);
    for (const h of this.nodeHosts())
      await this.agentCall(h, 'POST', '/net/install', { nodes: this.o.nodes, ips });
  }

  /** Sends each host the part of `items` whose source node runs there. */
  private async bySource<T>(
    items: readonly T[],
    from: (x: T) => NodeId,
    path: string,
    body: (mine: T[]) => unknown,
  ): Promise<void> {
    for (const h of this.nodeHosts()) {
      const mine = items.filter((x) => this.placement.get(from(x))?.hostname === h);
      if (mine.length === 0) continue;
      try {
        await this.agentCall(h, 'POST', path, body(mine));
      } catch (err) {
        throw new AgentError(
          `${path.slice(5)} on ${h}: ${(err as Error).message}`,
          (err as AgentError).status ?? 0,
        );
      }
    }
  }

  /** Direct transport: cuts directed edges in their source nodes' namespaces. */
  cut(edges: readonly (readonly [NodeId, NodeId])[]): Promise<void> {
    return this.bySource(
      edges,
      (e) => e[0],
      '/net/cut',
      (mine) => ({ edges: mine }),
    );
  }

  heal(edges: readonly (readonly [NodeId, NodeId])[]): Promise<void> {
    return this.bySource(
      edges,
      (e) => e[0],
      '/net/heal',
      (mine) => ({ edges: mine }),
    );
  }

  loss(rules: readonly LossRule[], on: boolean): Promise<void> {
    return this.bySource(
      rules,
      (r) => r.from,
      '/net/loss',
      (mine) => ({ rules: mine, on }),
    );
  }

  /** Direct transport: every host's per-edge counts, as one. */
  async counters(): Promise<EdgeCounters> {
    const all = await Promise.all(
      this.nodeHosts().map((h) => this.agentCall<EdgeCounters>(h, 'GET', '/net/counters')),
    );
    return {
      passed: sumEdges(
        all.flatMap((c) => c.passed),
        this.o.nodes,
      ),
      dropped: sumEdges(
        all.flatMap((c) => c.dropped),
        this.o.nodes,
      ),
    };
  }

  /** HOST:PORT of a node's GossipNode endpoint: its host's swarm address and the port published there. */
  address(node: NodeId): string {
    return `${this.placement.get(node)!.address}:${this.published.get(node)}`;
  }

  private async op(node: NodeId, op: NodeOp): Promise<OpResult> {
    const host = this.placement.get(node)!.hostname;
    const counts = this.requested.get(node) ?? { pause: 0, unpause: 0, kill: 0 };
    counts[op]++;
    this.requested.set(node, counts);
    try {
      return await this.agentCall<OpResult>(host, 'POST', `/op/${op}/${node}`);
    } catch (err) {
      throw new AgentError(
        `${op} ${node} on ${host}: ${(err as Error).message}`,
        (err as AgentError).status ?? 0,
      );
    }
  }

  async pause(node: NodeId): Promise<void> {
    await this.op(node, 'pause');
  }

  async unpause(node: NodeId): Promise<void> {
    await this.op(node, 'unpause');
  }

  async kill(node: NodeId): Promise<void> {
    await this.op(node, 'kill');
  }

  /** A new task of the node's service (same host, same port); resolves once it runs. */
  async restart(node: NodeId): Promise<string> {
    const service = `${this.o.stack}_${node}`;
    await docker(['service', 'update', '--force', '--detach', service], { timeoutMs: 60_000 });
    const end = Date.now() + 60_000;
    const host = this.placement.get(node)!.hostname;
    for (;;) {
      const rows = (await this.tasks()).filter((r) => r.Name.startsWith(`${service}.`));
      if (runningOn(rows, service, host)) {
        if (this.o.transport === 'direct') await this.readdress(node, host);
        return this.address(node);
      }
      const failed = rows.find(
        (r) => r.DesiredState === 'Running' && /^(Failed|Rejected)/.test(r.CurrentState),
      );
      if (failed) throw new Error(taskError(node, failed, this.o.image));
      if (Date.now() > end) throw new Error(`restart ${node}: no new task running on ${host} after 60s`);
      await sleep(250);
    }
  }

  /** Direct transport: the restarted node's new address, to every host's chains (its own built again). */
  private async readdress(node: NodeId, host: string): Promise<void> {
    const ip = (await this.agentCall<Record<string, string>>(host, 'GET', '/net/addresses'))[node];
    if (!ip) throw new Error(`restart ${node}: its new container on ${host} has no overlay address`);
    for (const h of this.nodeHosts()) await this.agentCall(h, 'POST', '/net/readdress', { node, ip });
  }

  async logs(node: NodeId): Promise<string> {
    try {
      return await docker(['service', 'logs', '--raw', '--tail', '20', `${this.o.stack}_${node}`], {
        timeoutMs: 15_000,
      });
    } catch {
      return '';
    }
  }

  /** Per host: its nodes and what its agent did; throws when an agent cannot say. */
  async report(): Promise<HostReport[]> {
    const out: HostReport[] = [];
    for (const h of [...this.hosts].sort((a, b) => (a.hostname < b.hostname ? -1 : 1))) {
      const nodes = this.o.nodes.filter((n) => this.placement.get(n)?.hostname === h.hostname);
      if (nodes.length === 0) continue;
      const info = await this.agentCall<AgentInfo>(h.hostname, 'GET', '/info');
      out.push({ host: h.hostname, address: h.address, nodes, ops: info.ops });
    }
    return out;
  }

  /** Ops the harness asked for, by node (what the agents' counts must equal). */
  requestedOps(): ReadonlyMap<NodeId, OpCounts> {
    return this.requested;
  }

  /** Removes the run from every host; resolves to what is left (or could not be checked). Idempotent. */
  async teardown(): Promise<string[]> {
    const left: string[] = [];
    if (this.deployed) {
      const services = this.o.nodes.map((n) => `${this.o.stack}_${n}`);
      await docker(['service', 'rm', ...services]).catch(() => {});
      left.push(...(await this.drainHosts(60_000)));
      await docker(['stack', 'rm', this.o.stack]).catch(() => {});
    }
    await docker(['rm', '-f', `gossipcheck-relay-${this.o.runId}`]).catch(() => {});
    sweepSwarmRunSync(this.o.runId);
    left.push(...swarmLeftoversSync(this.o.runId));
    this.unregister();
    this.deployed = false;
    return left;
  }

  /** Waits until no host's agent sees a node container of the run; what is still there after timeoutMs. */
  private async drainHosts(timeoutMs: number): Promise<string[]> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const left: string[] = [];
      // Hosts whose agent still sees containers: worth asking again (an unreachable one is not).
      let waiting = 0;
      for (const h of this.hosts.filter((x) => x.usable)) {
        try {
          const l = await this.agentCall<Leftovers>(h.hostname, 'GET', '/leftovers');
          if (l.containers.length > 0) {
            left.push(`${h.hostname}: ${l.containers.join(', ')}`);
            waiting++;
          }
        } catch (err) {
          left.push(`${h.hostname}: could not check (${(err as Error).message})`);
        }
      }
      if (waiting === 0 || Date.now() > end) return left;
      await sleep(500);
    }
  }
}

/** Whether a task of `service` (`<stack>_<name>`) runs on `host`, and is meant to. */
function runningOn(rows: readonly TaskRow[], service: string, host: string): boolean {
  return rows.some(
    (r) =>
      r.Name.startsWith(`${service}.`) &&
      r.Node === host &&
      r.DesiredState === 'Running' &&
      r.CurrentState.startsWith('Running'),
  );
}

function taskError(service: string, r: TaskRow, image: string): string {
  if (/No such image/i.test(r.Error))
    return `image ${image} is not on swarm node ${r.Node}: load it there (docker save ${image} | ssh ${r.Node} docker load) or push it to a registry every host can pull from and pass it (--image for the nodes, --agent-image for the kit's own)`;
  return `${service} could not start on ${r.Node || 'any node'}: ${r.Error}`;
}

/** Services of run `runId` (by their deploy labels), then its containers and networks on this engine. */
export function sweepSwarmRunSync(runId: string): void {
  const ids = idsByLabelSync('service', LABEL.run, runId);
  if (ids.length > 0) runSyncLines(['service', 'rm', ...ids]);
  sweepRunSync(runId);
}

/** What of run `runId` this engine still has: services, containers, networks. */
export function swarmLeftoversSync(runId: string): string[] {
  const f = ['--filter', `label=${LABEL.run}=${runId}`];
  return [
    ...runSyncLines(['service', 'ls', '--format', '{{.Name}}', ...f]).map((s) => `service ${s}`),
    ...runSyncLines(['ps', '-a', '--format', '{{.Names}}', ...f]).map((s) => `container ${s}`),
    ...runSyncLines(['network', 'ls', '--format', '{{.Name}}', ...f]).map((s) => `network ${s}`),
  ];
}

function runSyncLines(args: string[]): string[] {
  return runSync('docker', args, 60_000).split('\n').filter(Boolean);
}
