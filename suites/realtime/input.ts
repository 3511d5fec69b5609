// A generated input of a realtime case, and how it becomes a run: a cluster
// size, a number of writes, and a fault schedule whose times are whole gossip
// periods (so the schedule scales with the node's declared timing). For a
// membership run, partitions and crashes are drawn both shorter and longer
// than the time to declare a member dead (params.ts cutLengths).
// Inputs are plain JSON: fast-check shrinks them (fewer nodes, fewer and
// shorter faults, fewer writes), counterexample files hold them, replay
// validates and re-runs them.
import * as fc from 'fast-check';
import {
  type FaultSchedule,
  PARTITION_SHAPES,
  type PartitionShape,
  type ScheduleEvent,
  startOf,
} from '../../engine/faults/schedule.js';
import { makePartition } from '../../engine/faults/shapes.js';
import type { NodeId } from '../../proto/contract.js';
import { deriveSeed, Rng } from '../../shared/prng.js';
import { int } from '../input-schema.js';

/** Periods from the start of the workload; `length` periods long. */
interface Window {
  start: number;
  length: number;
}

export type GenFault =
  | ({ kind: 'partition'; shape: PartitionShape; pick: number } & Window)
  | ({ kind: 'loss'; percent: number } & Window)
  | ({ kind: 'delay'; tenths: number; jitterTenths: number } & Window)
  | ({ kind: 'duplicate'; percent: number } & Window)
  | ({ kind: 'reorder' } & Window)
  | ({ kind: 'pause'; node: number } & Window)
  | ({ kind: 'crash'; node: number; durable: boolean } & Window)
  | { kind: 'join'; node: number; start: number }
  | { kind: 'leave'; node: number; start: number };

export interface RealtimeInput {
  nodes: number;
  /** Client writes, one every WRITE_EVERY periods from the start (none in a membership run). */
  writes: number;
  faults: GenFault[];
}

export const WRITE_EVERY = 2;
/** Faults start within the first this many periods. */
const MAX_START = 20;

export interface GenTiming {
  minNodes: number;
  maxNodes: number;
  /**
   * Membership runs, in periods: a short cut lasts at most `shortCut` (no
   * member can be declared dead that soon), a long one at least `longCut`
   * (every member across it is held dead by then, whp); 0 for key-value runs.
   */
  shortCut: number;
  longCut: number;
  /** What the transport can do: the direct transport has no delay, duplication or reorder. */
  harnessTransport: boolean;
  /** Whether the variant takes client writes (a SWIM node keeps no store: nothing to draw or shrink). */
  writes: boolean;
}

/**
 * What a generated run is about: one fault of one family alone (so the
 * properties that need a quiet run around their trigger, such as join or
 * detect-crash, get one), or `mixed`, one to three faults of any kind. Runs
 * take the families in this order, round robin, so the default ten runs
 * cover every family once; for membership, partitions and crashes come in a
 * long form (past the time to declare a member dead) and a short one.
 */
export function families(t: GenTiming): string[] {
  const cuts = t.longCut > 0;
  return [
    ...(cuts ? ['partition-long', 'crash-long'] : ['partition', 'crash']),
    'mixed',
    'loss',
    'join',
    'leave',
    ...(cuts ? ['partition-short'] : []),
    'pause',
    ...(t.harnessTransport ? ['delay', 'duplicate', 'reorder'] : []),
    ...(cuts ? ['crash-short'] : []),
  ];
}

/** What fast-check generates: a mixed fault list and one fault per family; `focus` picks the run's. */
export interface GeneratedInput {
  nodes: number;
  writes: number;
  faults: GenFault[];
  single: GenFault[];
}

/** The run a generated input makes when its family is `families(t)[family]`. */
export function focus(g: GeneratedInput, family: number): RealtimeInput {
  const single = g.single[family];
  return { nodes: g.nodes, writes: g.writes, faults: single ? [single] : g.faults };
}

export function realtimeInput(t: GenTiming): fc.Arbitrary<GeneratedInput> {
  const node = fc.nat({ max: 63 });
  const start = fc.integer({ min: 0, max: MAX_START });
  const plain = fc.integer({ min: 1, max: 40 });
  // Shorter and longer than the time to declare a member dead: a long cut must end in two
  // sides that hold each other dead, and the heal must still merge them.
  const short = fc.integer({ min: 1, max: Math.max(1, t.shortCut) });
  const long = fc.integer({ min: Math.max(1, t.longCut), max: Math.max(1, Math.ceil(1.25 * t.longCut)) });
  const cut = t.longCut > 0 ? fc.oneof(short, long) : plain;
  const w = <T extends object>(rest: fc.Arbitrary<T>, length = plain) =>
    fc.tuple(rest, start, length).map(([r, s, l]) => ({ ...r, start: s, length: l }) as unknown as GenFault);
  const partition = (length: fc.Arbitrary<number>) =>
    w(
      fc.record({
        kind: fc.constant('partition' as const),
        shape: fc.constantFrom(...PARTITION_SHAPES),
        pick: fc.nat({ max: 1000 }),
      }),
      length,
    );
  const crash = (length: fc.Arbitrary<number>) =>
    w(fc.record({ kind: fc.constant('crash' as const), node, durable: fc.boolean() }), length);
  const byKind: Record<string, fc.Arbitrary<GenFault>> = {
    partition: partition(cut),
    'partition-long': partition(long),
    'partition-short': partition(short),
    crash: crash(cut),
    'crash-long': crash(long),
    'crash-short': crash(short),
    loss: w(fc.record({ kind: fc.constant('loss' as const), percent: fc.integer({ min: 5, max: 60 }) })),
    pause: w(fc.record({ kind: fc.constant('pause' as const), node })),
    join: fc.record({ kind: fc.constant('join' as const), node, start }),
    leave: fc.record({ kind: fc.constant('leave' as const), node, start }),
    delay: w(
      fc.record({
        kind: fc.constant('delay' as const),
        tenths: fc.integer({ min: 1, max: 20 }),
        jitterTenths: fc.integer({ min: 0, max: 10 }),
      }),
    ),
    duplicate: w(
      fc.record({ kind: fc.constant('duplicate' as const), percent: fc.integer({ min: 5, max: 50 }) }),
    ),
    reorder: w(fc.record({ kind: fc.constant('reorder' as const) })),
  };
  const weight: Record<string, number> = { partition: 3, crash: 2 };
  const mixed = ['partition', 'crash', 'loss', 'pause', 'join', 'leave'];
  if (t.harnessTransport) mixed.push('delay', 'duplicate', 'reorder');
  const fams = families(t);
  return fc.record({
    nodes: fc.integer({ min: t.minNodes, max: t.maxNodes }),
    writes: t.writes ? fc.integer({ min: 1, max: 12 }) : fc.constant(0),
    faults: fc.array(fc.oneof(...mixed.map((k) => ({ weight: weight[k] ?? 1, arbitrary: byKind[k] }))), {
      minLength: 1,
      maxLength: 3,
    }),
    // `mixed` has no single fault: focus() takes the list for it.
    single: fc
      .tuple(...fams.map((f) => (f === 'mixed' ? fc.constant(null) : byKind[f])))
      .map((xs) => xs.map((x) => x ?? undefined)) as unknown as fc.Arbitrary<GenFault[]>,
  });
}

export const nodeIds = (n: number): NodeId[] => Array.from({ length: n }, (_, i) => `n${i + 1}`);

export interface Materialized {
  nodes: NodeId[];
  schedule: FaultSchedule;
  /** Workload length, ms: the last write or fault end, and two more periods. */
  durationMs: number;
  writeEveryMs: number;
  writeLimit: number;
  /** Faults of the input the cluster cannot take (a second fault on one node, too few nodes left), dropped. */
  dropped: number;
}

/**
 * The run an input stands for, at `periodMs`. Node faults never overlap on
 * one node (a later one on the same node is dropped), and at least two nodes
 * stay up throughout (no crash, leave or late join), so a run always has
 * members to compare. Deterministic: the same input, period and seed give the
 * same schedule (partition groups are drawn from `pick`). A durable restart
 * is one only for a node that declares durableRestart.
 */
export function materialize(
  input: RealtimeInput,
  o: { periodMs: number; seed: number; durable: boolean },
): Materialized {
  const { periodMs, seed } = o;
  const nodes = nodeIds(input.nodes);
  const at = (periods: number) => periods * periodMs;
  const events: ScheduleEvent[] = [];
  const touched = new Set<NodeId>();
  const downish = () => [...touched].length;
  let dropped = 0;
  let end = input.writes * WRITE_EVERY;
  for (const f of input.faults) {
    const id = 'node' in f ? nodes[f.node % nodes.length] : undefined;
    if (id !== undefined) {
      if (touched.has(id) || (f.kind !== 'pause' && downish() >= nodes.length - 2)) {
        dropped++;
        continue;
      }
      touched.add(id);
    }
    const from = at(f.start);
    const until = 'length' in f ? at(f.start + f.length) : from;
    end = Math.max(end, 'length' in f ? f.start + f.length : f.start);
    const link = (fault: Extract<ScheduleEvent, { type: 'link' }>['fault']) =>
      events.push({ type: 'link', from, until, fault });
    switch (f.kind) {
      case 'partition':
        link(makePartition(f.shape, nodes, new Rng(deriveSeed(seed, `partition:${f.pick}`))));
        break;
      case 'loss':
        link({ kind: 'loss', probability: f.percent / 100 });
        break;
      case 'delay':
        link({
          kind: 'delay',
          latency: (f.tenths * periodMs) / 10,
          jitter: (f.jitterTenths * periodMs) / 10,
        });
        break;
      case 'duplicate':
        link({ kind: 'duplicate', probability: f.percent / 100 });
        break;
      case 'reorder':
        link({ kind: 'reorder' });
        break;
      case 'pause':
        events.push({ type: 'pause', from, until, node: id! });
        break;
      case 'crash':
        events.push(
          { type: 'crash', at: from, node: id! },
          { type: 'restart', at: until, node: id!, durable: f.durable && o.durable },
        );
        break;
      case 'join':
        events.push({ type: 'join', at: from, node: id! });
        break;
      case 'leave':
        events.push({ type: 'leave', at: from, node: id! });
        break;
    }
  }
  return {
    nodes,
    schedule: events.sort((a, b) => startOf(a) - startOf(b)),
    durationMs: at(end + 2),
    writeEveryMs: at(WRITE_EVERY),
    writeLimit: input.writes,
    dropped,
  };
}

/** Why `x` is not a realtime input (a hand-edited counterexample), or null. */
export function validateInput(x: unknown): string | null {
  if (typeof x !== 'object' || x === null) return 'input must be an object';
  const i = x as Partial<RealtimeInput>;
  const bad = int(2, 1000)(i.nodes, 'input.nodes') ?? int(0, 100_000)(i.writes, 'input.writes');
  if (bad) return bad;
  if (!Array.isArray(i.faults)) return 'input.faults must be an array';
  const known = ['partition', 'loss', 'delay', 'duplicate', 'reorder', 'pause', 'crash', 'join', 'leave'];
  for (const f of i.faults as unknown[]) {
    const g = f as Partial<Record<string, unknown>>;
    if (typeof f !== 'object' || f === null || !known.includes(g.kind as string))
      return `input.faults: unknown fault ${JSON.stringify(f)}`;
    if (int(0, 1_000_000)(g.start, '')) return `input.faults: ${g.kind} needs a whole start`;
    if ('length' in g && int(1, 1_000_000)(g.length, ''))
      return `input.faults: ${g.kind} needs a whole length >= 1`;
    if (g.kind === 'partition' && !PARTITION_SHAPES.includes(g.shape as PartitionShape))
      return `input.faults: unknown partition shape ${String(g.shape)}`;
  }
  return null;
}
