// Real Maelstrom node processes (fixtures/broadcast-node.mjs) under faults
// the Router decides: the history must show the Router's decision, and a
// fault kind no Maelstrom scenario had before (duplicate, reorder) applies to
// Maelstrom lines with no Maelstrom-specific code — only a LinkFault in the
// scenario's windows. Assertions are on the history's content, never on how
// fast anything ran.
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkConvergence, checkProtocol, convergenceCase } from '../../checks/maelstrom.js';
import type { LinkFault } from '../../engine/faults/schedule.js';
import type { EventOf, HistoryEvent } from '../../engine/history/events.js';
import { nodeIds } from '../../proto/contract.js';
import { type FaultWindow, runMaelstromScenario } from './scenario.js';
import { totalTopology } from './topology.js';

const NODE = resolve('adapters/maelstrom/fixtures/broadcast-node.mjs');
const nodes = nodeIds(4);

type Ev<T extends HistoryEvent['t']> = EventOf<T>;
const only = <T extends HistoryEvent['t']>(events: readonly HistoryEvent[], t: T) =>
  events.filter((e): e is Ev<T> => e.t === t);

async function run(name: string, faults: FaultWindow[]) {
  return runMaelstromScenario({
    name,
    command: `node ${NODE} retry`,
    seed: 7,
    nodes,
    topologyName: 'total',
    topology: totalTopology(nodes),
    latencyMs: 2,
    durationMs: 1200,
    rate: 20,
    profile: null,
    settleMs: 4000,
    timeoutMs: 3000,
    faults,
  });
}

const isNode = (id: string) => nodes.includes(id);

describe('Maelstrom lines through the Router, real node processes', () => {
  it('a duplicate fault: every node -> node line delivered twice, client lines never, and the node still converges', async () => {
    const dup: LinkFault = { kind: 'duplicate', probability: 1 };
    const { events, startupFailure } = await run('duplicate', [{ from: 0, until: 1200, fault: dup }]);
    expect(startupFailure).toBeNull();
    expect(events[0]).toMatchObject({ t: 'run', mode: 'realtime' });

    const sends = new Map(only(events, 'send').map((s) => [s.id, s]));
    const dups = only(events, 'duplicate');
    expect(dups.length).toBeGreaterThan(0);
    for (const d of dups) {
      const orig = sends.get(d.of);
      // Scoped to node edges by the adapter; the Router decided the copy.
      expect(orig && isNode(orig.from) && isNode(orig.to)).toBe(true);
    }
    // Every node -> node line sent inside the window (between the fault's start and stop) has its copy.
    const start = only(events, 'fault').find((f) => f.action === 'start')!.r;
    const stop = only(events, 'fault').find((f) => f.action === 'stop')!.r;
    const copied = new Set(dups.map((d) => d.of));
    const inWindow = [...sends.values()].filter(
      (s) => isNode(s.from) && isNode(s.to) && s.r > start && s.r < stop,
    );
    expect(inWindow.length).toBeGreaterThan(0);
    for (const s of inWindow) expect(copied.has(s.id)).toBe(true);
    // The copies reach the node: delivered under their own id.
    const delivered = new Set(only(events, 'deliver').map((d) => d.id));
    expect(dups.filter((d) => delivered.has(d.id)).length).toBeGreaterThan(0);

    expect(checkProtocol([events]).verdict).toBe('PASS');
    expect(checkConvergence(convergenceCase('duplicate', 'Under duplicates'), events, null).verdict).toBe(
      'PASS',
    );
  });

  it('a partition: the Router drops node -> node lines across the cut (reason partition), never a client line', async () => {
    const cut: LinkFault = {
      kind: 'partition',
      shape: 'halves',
      groups: [
        ['n0', 'n1'],
        ['n2', 'n3'],
      ],
    };
    const { events, startupFailure } = await run('partition', [{ from: 0, until: 600, fault: cut }]);
    expect(startupFailure).toBeNull();
    const sends = new Map(only(events, 'send').map((s) => [s.id, s]));
    const fault = only(events, 'fault');
    const edges = new Set(fault[0].edges.map(([a, b]) => `${a}>${b}`));
    const drops = only(events, 'drop').filter((d) => d.reason === 'partition');
    expect(drops.length).toBeGreaterThan(0);
    for (const d of drops) {
      const s = sends.get(d.id)!;
      expect(edges.has(`${s.from}>${s.to}`)).toBe(true);
      expect(d.r).toBeGreaterThanOrEqual(fault[0].r);
      expect(d.r).toBeLessThanOrEqual(fault[1].r);
    }
    // No client line was dropped (only node -> node lines are).
    for (const d of only(events, 'drop')) {
      const s = sends.get(d.id)!;
      expect(isNode(s.from) && isNode(s.to)).toBe(true);
    }
    // The retrying node gets every value across once the cut heals.
    expect(checkConvergence(convergenceCase('partition', 'After a partition'), events, null).verdict).toBe(
      'PASS',
    );
  });
});
