// Where the nodes of a realtime run live, behind one interface: the realtime
// runner asks a backend to crash, restart, pause and resume nodes (the
// nemesis's node actions) and, on the direct transport, to cut links. The
// backends of the kit: docker containers (`dockerBackend`), containers on a
// Docker Swarm with a fault agent per host (`swarmBackend`), every node in
// one endpoint process (`oneProcessBackend`); the Maelstrom adapter builds
// its own over the Maelstrom host (adapters/maelstrom/scenario.ts).
import type { NodeId } from '../../proto/contract.js';
import type { LinkFault } from '../faults/schedule.js';
import { edgeSelected } from '../faults/shapes.js';
import type { EdgeCount } from '../history/events.js';
import type { LossRule } from '../netfilter/edge-rules.js';
import type { DockerCluster } from './docker/cluster.js';
import type { EdgeFirewall } from './docker/iptables.js';
import type { SpawnedEndpoint } from './process.js';
import type { SwarmCluster } from './swarm/cluster.js';

/** What the realtime runner needs from where the nodes run. */
export interface RealtimeBackend {
  /** HOST:PORT of a node's GossipNode endpoint. */
  address(node: NodeId): string;
  /** Where nodes reach the harness (harness transport). */
  harnessHost: string;
  pause(node: NodeId): Promise<void>;
  resume(node: NodeId): Promise<void>;
  /** Stops the node abruptly (its process or container is gone). */
  crash(node: NodeId): Promise<void>;
  /** Starts a crashed node again; resolves to its (possibly new) address. */
  restart(node: NodeId): Promise<string>;
  /** Direct transport: cut / heal directed edges (iptables). */
  cut?(edges: [NodeId, NodeId][]): Promise<void>;
  heal?(edges: [NodeId, NodeId][]): Promise<void>;
  /** Direct transport: a link fault other than a partition starts (on) or stops (iptables loss). */
  linkFault?(fault: LinkFault, on: boolean): Promise<void>;
  counters?(): Promise<{ passed: EdgeCount[]; dropped: EdgeCount[] }>;
  /** The node's last output lines, for error messages. */
  logs?(node: NodeId): Promise<string>;
  /**
   * Endpoints in the harness's own process (a Maelstrom scenario): ms each
   * envelope waited from the endpoint's send to the harness accepting it, so
   * far (HarnessTransport onAccepted).
   */
  toNetworkMs?(): readonly number[];
}

/**
 * A backend's error that is the node's doing, not the harness's (the process
 * backend's Stop refused or its process gone): the run aborts with it as the
 * reason (run/completed FAIL), where any other backend error is a harness error.
 */
export class NodeFault extends Error {
  constructor(
    readonly op: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * The process backend: every node lives in the one endpoint process an
 * --impl command starts (as in `gossipcheck run`), so no docker is needed.
 * Node faults map onto the contract instead of onto containers: a crash is
 * Stop(crash) and a restart is Init again (the runner raises the node's
 * generation); a pause cannot freeze one node's timers inside a shared
 * process, so it is the network's pause alone: everything to and from the
 * node is held until the pause ends (docs/chaos.md, "The process backend").
 */
export function oneProcessBackend(iut: SpawnedEndpoint): RealtimeBackend {
  const alive = (op: string): void => {
    const why = iut.exitReason();
    if (why) throw new NodeFault(op, why);
  };
  return {
    address: () => iut.address,
    harnessHost: '127.0.0.1',
    pause: async () => alive('pause'),
    resume: async () => alive('resume'),
    crash: async (node) => {
      alive('Stop');
      try {
        await iut.endpoint.stop([node], 'crash');
      } catch (err) {
        throw new NodeFault('Stop', `Stop(${node}, crash) failed: ${(err as Error).message}`);
      }
    },
    restart: async () => {
      alive('Init');
      return iut.address;
    },
    logs: async () => iut.exitReason() ?? '',
  };
}

/** Node faults on containers; with the direct transport, link faults by iptables. */
export function dockerBackend(c: DockerCluster, fw: EdgeFirewall | null, nodes: NodeId[]): RealtimeBackend {
  return {
    address: (node) => c.address(node),
    harnessHost: c.gateway,
    pause: (node) => c.pause(node),
    resume: (node) => c.unpause(node),
    crash: (node) => c.kill(node),
    restart: (node) => c.restart(node),
    logs: (node) => c.logs(node),
    ...(fw
      ? {
          cut: (edges) => fw.cut(edges),
          heal: (edges) => fw.heal(edges),
          counters: () => fw.counters(),
          linkFault: (fault, on) => {
            const rules = lossRules(fault, nodes);
            return on ? fw.startLoss(rules) : fw.stopLoss(rules);
          },
        }
      : {}),
  };
}

/** A direct-transport loss fault as per-edge rules; the direct schedule holds no other link fault (delay & co. need netem, docs/chaos.md). */
function lossRules(fault: LinkFault, nodes: readonly NodeId[]): LossRule[] {
  if (fault.kind !== 'loss') throw new Error(`${fault.kind} is not available on the direct transport`);
  return nodes.flatMap((from) =>
    nodes
      .filter((to) => to !== from && edgeSelected(fault.edges, from, to))
      .map((to) => ({ from, to, probability: fault.probability })),
  );
}

/**
 * Node faults where each node runs: its host's fault agent, a restart by the
 * orchestrator; with the direct transport, link faults by the agent of each
 * edge's source node, in that node's network namespace.
 */
export function swarmBackend(c: SwarmCluster, nodes: NodeId[]): RealtimeBackend {
  return {
    address: (node) => c.address(node),
    harnessHost: c.harnessHost,
    pause: (node) => c.pause(node),
    resume: (node) => c.unpause(node),
    crash: (node) => c.kill(node),
    restart: (node) => c.restart(node),
    logs: (node) => c.logs(node),
    ...(c.o.transport === 'direct'
      ? {
          cut: (edges) => c.cut(edges),
          heal: (edges) => c.heal(edges),
          counters: () => c.counters(),
          linkFault: (fault, on) => c.loss(lossRules(fault, nodes), on),
        }
      : {}),
  };
}
