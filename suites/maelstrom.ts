// The Maelstrom scenarios as data: name, what it checks, whether the
// budgets are judged on it, and its faults (in ms of the workload). Every
// `maelstrom/...` case id comes from here (suites/catalogue.ts); the
// commands only pick scenarios and run them (cli/run-maelstrom.ts on local
// processes, cli/chaos-maelstrom.ts in containers).

import { convergenceCase } from '../checks/maelstrom.js';
import type { CrashEvent, LinkFaultEvent, PauseEvent, RestartEvent } from '../engine/faults/schedule.js';
import { makePartition } from '../engine/faults/shapes.js';
import { minimalParameters, type NodeId } from '../proto/contract.js';
import type { Rng } from '../shared/prng.js';

/** A link fault window of the schedule (engine/faults/schedule.ts), in ms from the start of the workload. */
export type FaultWindow = Omit<LinkFaultEvent, 'type'>;

/**
 * A fault on one node's process, in ms from the start of the workload: a
 * pause freezes it over its window (its lines wait); a crash ends it
 * abruptly and a restart starts a fresh one (no durable state: `durable` is
 * not honoured), which gets `init` and `topology` again before node-to-node
 * lines reach it.
 */
export type NodeFaultEvent = PauseEvent | CrashEvent | RestartEvent;

/**
 * The contract's view of a Maelstrom node: anti-entropy (what a node that
 * survives partitions promises), no period (the node keeps its own timers),
 * the default payload limit.
 */
export const MAELSTROM_PARAMS = minimalParameters('anti-entropy-push-pull', { maxPayloadBytes: 0 });

export interface MaelstromFaults {
  faults: FaultWindow[];
  /** Faults on node processes (pause, crash + restart): containers only. */
  nodeFaults?: NodeFaultEvent[];
}

export interface MaelstromScenario {
  /** Scenario name, also the convergence case id suffix (maelstrom/convergence/<name>). */
  name: string;
  what: string;
  /** The budgets (maelstrom/budget/*) are judged on this scenario's history. */
  budgets: boolean;
  /** Which command runs it: `run --maelstrom` (local processes) or `chaos --maelstrom` (containers). */
  command: 'run' | 'chaos';
  faults: (nodes: NodeId[], durationMs: number, rng: Rng) => MaelstromFaults;
}

/** Faults open at 20% of the workload and heal at 70%: acknowledged writes cross the cut after it heals. */
const window = (d: number) => ({ from: Math.round(d * 0.2), until: Math.round(d * 0.7) });

/**
 * Faults open at 20% of the workload and last all of it: the runner heals
 * them at the workload's end, after the last client operation was answered,
 * so nothing but the node's own gossip can repair what they cost (a node
 * that repairs only when a later write carries the value fails). As
 * Maelstrom's nemesis: faults until the time limit, then heal, wait, and the
 * final reads (src/maelstrom/core.clj).
 */
const toTheEnd = (d: number) => ({ from: Math.round(d * 0.2), until: d });

export const NO_FAULTS: MaelstromScenario = {
  name: 'no-faults',
  what: 'Without faults',
  budgets: true,
  command: 'run',
  faults: () => ({ faults: [] }),
};

/** The scenarios of `run --maelstrom`, in this order. */
export const RUN_SCENARIOS: readonly MaelstromScenario[] = [
  NO_FAULTS,
  {
    name: 'after-partition/halves',
    what: 'After a partition into two halves (both directions cut) heals',
    budgets: false,
    command: 'run',
    faults: (nodes, d, rng) => ({ faults: [{ ...window(d), fault: makePartition('halves', nodes, rng) }] }),
  },
  {
    name: 'after-partition/one-way',
    what: 'After a one-way partition (one half cannot reach the other; replies still pass) heals',
    budgets: false,
    command: 'run',
    faults: (nodes, d, rng) => ({ faults: [{ ...window(d), fault: makePartition('one-way', nodes, rng) }] }),
  },
  {
    name: 'after-loss',
    what: 'After a period of 30% message loss on every node-to-node edge ends',
    budgets: false,
    command: 'run',
    faults: (_nodes, d) => ({ faults: [{ ...window(d), fault: { kind: 'loss', probability: 0.3 } }] }),
  },
  {
    name: 'after-delay-reorder-duplicate',
    what: 'After a period of extra delay (0..200 ms on top of the latency), reordering and 30% duplicated lines ends',
    budgets: false,
    command: 'run',
    faults: (_nodes, d) => ({
      faults: [
        { ...window(d), fault: { kind: 'delay', latency: 0, jitter: 200 } },
        { ...window(d), fault: { kind: 'reorder' } },
        { ...window(d), fault: { kind: 'duplicate', probability: 0.3 } },
      ],
    }),
  },
  {
    name: 'heal-in-quiet/halves',
    what: 'After a partition into two halves that lasts the workload heals, with no client write after it',
    budgets: false,
    command: 'run',
    faults: (nodes, d, rng) => ({ faults: [{ ...toTheEnd(d), fault: makePartition('halves', nodes, rng) }] }),
  },
  {
    name: 'heal-in-quiet/one-way',
    what: 'After a one-way partition that lasts the workload heals, with no client write after it',
    budgets: false,
    command: 'run',
    faults: (nodes, d, rng) => ({
      faults: [{ ...toTheEnd(d), fault: makePartition('one-way', nodes, rng) }],
    }),
  },
  {
    name: 'heal-in-quiet/loss',
    what: 'After 30% message loss on every node-to-node edge that lasts the workload ends, with no client write after it',
    budgets: false,
    command: 'run',
    faults: (_nodes, d) => ({ faults: [{ ...toTheEnd(d), fault: { kind: 'loss', probability: 0.3 } }] }),
  },
];

/** The chaos scenario's faults, in ms of the workload. */
export function chaosFaults(nodes: NodeId[], durationMs: number, rng: Rng): MaelstromFaults {
  const at = (x: number) => Math.round(durationMs * x);
  const paused = nodes[rng.int(nodes.length)];
  const others = nodes.filter((n) => n !== paused);
  const crashed = others[rng.int(others.length)];
  const nodeFaults: NodeFaultEvent[] = [
    { type: 'pause', from: at(0.5), until: at(0.6), node: paused },
    { type: 'crash', at: at(0.6), node: crashed },
    { type: 'restart', at: at(0.7), node: crashed, durable: false },
  ];
  return {
    faults: [{ from: at(0.15), until: at(0.45), fault: makePartition('halves', nodes, rng) }],
    nodeFaults,
  };
}

/** Message loss on every edge (the harness router drops lines) while one node is paused. */
export function lossFaults(nodes: NodeId[], durationMs: number, rng: Rng): MaelstromFaults {
  const at = (x: number) => Math.round(durationMs * x);
  return {
    faults: [{ from: at(0.15), until: at(0.6), fault: { kind: 'loss', probability: 0.3 } }],
    nodeFaults: [{ type: 'pause', from: at(0.3), until: at(0.4), node: nodes[rng.int(nodes.length)] }],
  };
}

/** The fault scenarios of `chaos --maelstrom`, run in this order (`--scenario` picks some). */
export const CHAOS_SCENARIOS: readonly MaelstromScenario[] = [
  {
    name: 'chaos',
    what: 'After a partition into halves, a paused node and a crashed node started again (empty) heal',
    budgets: false,
    command: 'chaos',
    faults: chaosFaults,
  },
  {
    name: 'loss',
    what: 'After a period of 30% message loss on every edge, with one node paused during it, ends',
    budgets: false,
    command: 'chaos',
    faults: lossFaults,
  },
];

/**
 * `run --maelstrom`'s generated property: the convergence case over --runs
 * generated fault schedules (suites/maelstrom-input.ts), shrunk on failure.
 */
export const GENERATED = {
  name: 'generated',
  what: 'After generated faults heal (partitions of every shape, one-way included; loss; delay; duplication; reorder; some lasting the whole workload, so that only gossip repairs them)',
};
export const GENERATED_CASE = convergenceCase(GENERATED.name, GENERATED.what);

/** Every Maelstrom scenario, `run --maelstrom`'s first. */
export const MAELSTROM_SCENARIOS: readonly MaelstromScenario[] = [...RUN_SCENARIOS, ...CHAOS_SCENARIOS];
