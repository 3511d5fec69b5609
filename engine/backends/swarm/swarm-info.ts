// What the swarm looks like from the manager the harness talks to (DOCKER_HOST
// or the local engine): whether it is a manager at all, its address, and
// every swarm node with whether it can take tasks.
import { docker } from '../docker/exec.js';
import type { SwarmHost } from './placement.js';

export interface SwarmView {
  /** The manager's own swarm address (where the relay publishes, and nodes reach the harness by default). */
  managerAddress: string;
  hosts: SwarmHost[];
}

interface NodeInspect {
  ID: string;
  Description?: { Hostname?: string };
  Spec?: { Availability?: string; Role?: string };
  Status?: { State?: string; Addr?: string };
  ManagerStatus?: { Addr?: string };
}

/** Throws a one-line error a user can act on when this engine is no swarm manager. */
export async function swarmView(): Promise<SwarmView> {
  const info = JSON.parse(await docker(['info', '--format', '{{json .Swarm}}'], { timeoutMs: 15_000 })) as {
    LocalNodeState?: string;
    ControlAvailable?: boolean;
    NodeAddr?: string;
  };
  if (info.LocalNodeState !== 'active')
    throw new Error(
      `this docker engine is not in a swarm (state ${info.LocalNodeState || 'unknown'}): docker swarm init, or point DOCKER_HOST at a manager`,
    );
  if (!info.ControlAvailable)
    throw new Error('this docker engine is a swarm worker: run from a manager (or point DOCKER_HOST at one)');
  const ids = (await docker(['node', 'ls', '-q'])).split('\n').filter(Boolean);
  const nodes = JSON.parse(await docker(['node', 'inspect', ...ids])) as NodeInspect[];
  const hosts = nodes.map((n): SwarmHost => {
    const state = n.Status?.State ?? 'unknown';
    const availability = n.Spec?.Availability ?? 'unknown';
    // A manager may report 0.0.0.0 as its Status.Addr; its manager address is the real one.
    const addr = n.ManagerStatus?.Addr?.replace(/:\d+$/, '') ?? n.Status?.Addr ?? '';
    const address = addr === '0.0.0.0' ? (n.Status?.Addr ?? '') : addr;
    const why =
      state !== 'ready'
        ? `it is ${state}`
        : availability !== 'active'
          ? `its availability is ${availability}`
          : '';
    return {
      hostname: n.Description?.Hostname ?? n.ID,
      id: n.ID,
      address,
      role: n.Spec?.Role === 'manager' ? 'manager' : 'worker',
      usable: why === '',
      why,
    };
  });
  return { managerAddress: info.NodeAddr ?? '', hosts };
}
