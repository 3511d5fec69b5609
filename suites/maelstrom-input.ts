// A generated input of maelstrom/convergence/generated: a cluster size and
// link faults whose windows are percentages of the workload (so they scale
// with --duration). A window marked `quiet` lasts the whole workload and
// heals only after the last client operation was answered: nothing but the
// node's own gossip can then repair what it cost, as after Maelstrom's own
// nemesis (faults until the time limit, then heal, wait, final reads). A
// Maelstrom node keeps its own timers and its processes are local, so the
// faults are the harness network's: partitions of every shape (one-way
// included), loss, delay, duplication, reorder. Plain JSON: fast-check
// shrinks it (fewer nodes, fewer and shorter faults, healed before the
// workload ends), counterexample files hold it, replay validates it.
import * as fc from 'fast-check';
import { PARTITION_SHAPES, type PartitionShape } from '../engine/faults/schedule.js';
import { makePartition } from '../engine/faults/shapes.js';
import { type NodeId, nodeIds } from '../proto/contract.js';
import { deriveSeed, Rng } from '../shared/prng.js';
import { int } from './input-schema.js';
import type { FaultWindow } from './maelstrom.js';

/** Percent of the workload: the window opens at `start` and lasts `length`, or to the end when `quiet`. */
interface Span {
  start: number;
  length: number;
  quiet: boolean;
}

export type MaelstromFault =
  | ({ kind: 'partition'; shape: PartitionShape; pick: number } & Span)
  | ({ kind: 'loss'; percent: number } & Span)
  | ({ kind: 'delay'; jitterMs: number } & Span)
  | ({ kind: 'duplicate'; percent: number } & Span)
  | ({ kind: 'reorder' } & Span);

export interface MaelstromInput {
  nodes: number;
  faults: MaelstromFault[];
}

/** What fast-check generates: a mixed fault list and one fault per family; `focusMaelstrom` picks the run's. */
export interface GeneratedMaelstromInput extends MaelstromInput {
  single: (MaelstromFault | null)[];
}

/**
 * What run i is about, round robin: one fault alone, or `mixed` (one to
 * three of any kind). A cut and a loss that heal in quiet come first: they
 * are what a node that repairs only when a later write carries a value fails.
 */
export const MAELSTROM_FAMILIES = [
  'partition-quiet',
  'partition',
  'loss-quiet',
  'mixed',
  'loss',
  'delay',
  'duplicate',
  'reorder',
] as const;

/** The run's input; a window that heals in quiet has no length of its own (shrinking it runs nothing). */
export function focusMaelstrom(g: GeneratedMaelstromInput, family: number): MaelstromInput {
  const single = g.single[family];
  const faults = single ? [single] : g.faults;
  return { nodes: g.nodes, faults: faults.map((f) => (f.quiet ? { ...f, length: 100 - f.start } : f)) };
}

/** The cluster sizes drawn under --nodes `maxNodes`: 3..maxNodes, at least 2 nodes. */
export function maelstromSizes(maxNodes: number): { min: number; max: number } {
  return { min: Math.max(2, Math.min(maxNodes, 3)), max: Math.max(2, maxNodes) };
}

/** Inputs for a cluster of maelstromSizes(maxNodes) nodes. */
export function maelstromInput(maxNodes: number): fc.Arbitrary<GeneratedMaelstromInput> {
  const span = (quiet: fc.Arbitrary<boolean>) =>
    fc.record({ start: fc.integer({ min: 5, max: 50 }), length: fc.integer({ min: 10, max: 50 }), quiet });
  const w = <T extends object>(rest: fc.Arbitrary<T>, quiet = fc.boolean()) =>
    fc.tuple(rest, span(quiet)).map(([r, s]) => ({ ...r, ...s }) as unknown as MaelstromFault);
  const partition = fc.record({
    kind: fc.constant('partition' as const),
    shape: fc.constantFrom(...PARTITION_SHAPES),
    pick: fc.nat({ max: 1000 }),
  });
  const loss = fc.record({ kind: fc.constant('loss' as const), percent: fc.integer({ min: 10, max: 60 }) });
  const byKind = {
    partition: w(partition),
    'partition-quiet': w(partition, fc.constant(true)),
    loss: w(loss),
    'loss-quiet': w(loss, fc.constant(true)),
    delay: w(fc.record({ kind: fc.constant('delay' as const), jitterMs: fc.integer({ min: 10, max: 300 }) })),
    duplicate: w(
      fc.record({ kind: fc.constant('duplicate' as const), percent: fc.integer({ min: 10, max: 50 }) }),
    ),
    reorder: w(fc.record({ kind: fc.constant('reorder' as const) })),
  };
  const mixed = [byKind.partition, byKind.loss, byKind.delay, byKind.duplicate, byKind.reorder];
  return fc.record({
    nodes: fc.integer(maelstromSizes(maxNodes)),
    faults: fc.array(fc.oneof(...mixed), { minLength: 1, maxLength: 3 }),
    single: fc.tuple(...MAELSTROM_FAMILIES.map((f) => (f === 'mixed' ? fc.constant(null) : byKind[f]))),
  });
}

/** The scenario an input stands for: its nodes and fault windows over a workload of `durationMs`. */
export function materializeMaelstrom(
  input: MaelstromInput,
  o: { durationMs: number; seed: number },
): { nodes: NodeId[]; faults: FaultWindow[] } {
  const nodes = nodeIds(input.nodes);
  const at = (percent: number) => Math.round((o.durationMs * Math.min(100, percent)) / 100);
  const faults = input.faults.map((f): FaultWindow => {
    const from = at(f.start);
    const until = f.quiet ? o.durationMs : at(f.start + f.length);
    switch (f.kind) {
      case 'partition':
        return {
          from,
          until,
          fault: makePartition(f.shape, nodes, new Rng(deriveSeed(o.seed, `partition:${f.pick}`))),
        };
      case 'loss':
        return { from, until, fault: { kind: 'loss', probability: f.percent / 100 } };
      case 'delay':
        return { from, until, fault: { kind: 'delay', latency: 0, jitter: f.jitterMs } };
      case 'duplicate':
        return { from, until, fault: { kind: 'duplicate', probability: f.percent / 100 } };
      default:
        return { from, until, fault: { kind: 'reorder' } };
    }
  });
  return { nodes, faults };
}

/** Why `x` is not a Maelstrom input (a hand-edited counterexample), or null. */
export function validateMaelstromInput(x: unknown): string | null {
  if (typeof x !== 'object' || x === null) return 'input must be an object';
  const i = x as Partial<MaelstromInput>;
  const nodes = int(1, 100)(i.nodes, 'input.nodes');
  if (nodes) return nodes;
  if (!Array.isArray(i.faults)) return 'input.faults must be an array';
  const known = ['partition', 'loss', 'delay', 'duplicate', 'reorder'];
  for (const f of i.faults as unknown[]) {
    const g = f as Partial<Record<string, unknown>>;
    if (typeof f !== 'object' || f === null || !known.includes(g.kind as string))
      return `input.faults: unknown fault ${JSON.stringify(f)}`;
    if (int(0, 100)(g.start, '') || int(1, 100)(g.length, '') || typeof g.quiet !== 'boolean')
      return `input.faults: ${g.kind} needs start and length in percent and quiet true or false`;
    if (g.kind === 'partition' && !PARTITION_SHAPES.includes(g.shape as PartitionShape))
      return `input.faults: unknown partition shape ${String(g.shape)}`;
  }
  return null;
}
