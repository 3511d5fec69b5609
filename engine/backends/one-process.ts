// The process backend of a realtime run: every node lives in the one endpoint
// process an --impl command starts (as in `gossipcheck run`), so no docker is
// needed. Node faults map onto the contract instead of onto containers: a kill
// is Stop(crash) and a restart is Init again (the runner raises the node's
// generation); a pause cannot freeze one node's timers inside a shared
// process, so it is the network's pause alone: everything to and from the
// node is held until the pause ends (docs/chaos.md, "The process backend").
import { NodeFault, type RealtimeBackend } from '../realtime/runner.js';
import type { SpawnedEndpoint } from './process.js';

export function oneProcessBackend(iut: SpawnedEndpoint): RealtimeBackend {
  const alive = (op: string): void => {
    const why = iut.exitReason();
    if (why) throw new NodeFault(op, why);
  };
  return {
    address: () => iut.address,
    harnessHost: '127.0.0.1',
    pause: async () => alive('pause'),
    unpause: async () => alive('unpause'),
    kill: async (node) => {
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
