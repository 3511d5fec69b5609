// A seeded random fault schedule for a realtime (chaos) run: the same
// FaultSchedule data as lockstep runs, with every time in milliseconds since
// the run started instead of rounds (delay latency and jitter in ms too).
//
// Every schedule of a run of at least 3 nodes holds at least one partition
// (a random shape, one-way included), one pause and one crash + restart, on
// distinct nodes; longer runs get one more random fault per 5 s. The harness
// transport adds the router's loss / delay / duplicate / reorder to the pool;
// the direct transport has only what the host can do without netem
// (partitions by iptables, pause, crash / restart). Everything ends by
// `durationMs`: then the cluster is healed.
import type { NodeId } from '../../proto/contract.js';
import { deriveSeed, Rng } from '../../shared/prng.js';
import {
  type FaultSchedule,
  type LinkFault,
  PARTITION_SHAPES,
  type ScheduleEvent,
  startOf,
} from '../faults/schedule.js';
import { makePartition } from '../faults/shapes.js';

export type TransportKind = 'harness' | 'direct';

export interface RealtimeScheduleSpec {
  seed: number;
  nodes: readonly NodeId[];
  durationMs: number;
  transport: TransportKind;
}

type Kind = 'partition' | 'pause' | 'crash' | 'loss' | 'delay' | 'duplicate' | 'reorder';

export function realtimeSchedule(spec: RealtimeScheduleSpec): FaultSchedule {
  const rng = new Rng(deriveSeed(spec.seed, 'chaos-schedule'));
  const { nodes, durationMs: d } = spec;
  const events: ScheduleEvent[] = [];
  if (nodes.length < 2 || d < 1000) return events;
  const window = (): [number, number] => {
    const len = Math.round(d * (0.15 + 0.2 * rng.next()));
    const start = Math.round(d * 0.05 + rng.next() * (d * 0.9 - len));
    return [start, Math.min(d, start + len)];
  };
  // Pause and crash victims are distinct nodes, so a node is never both.
  const victims = nodes.slice();
  rng.shuffle(victims);
  let nextVictim = 0;
  const victim = (): NodeId => victims[nextVictim++ % victims.length];
  const pool: Kind[] =
    spec.transport === 'harness'
      ? ['partition', 'pause', 'crash', 'loss', 'delay', 'duplicate', 'reorder']
      : ['partition', 'pause', 'crash'];
  const kinds: Kind[] = nodes.length >= 3 ? ['partition', 'pause', 'crash'] : ['partition'];
  const extra = Math.floor(d / 5000);
  for (let i = 0; i < extra; i++) kinds.push(pool[rng.int(pool.length)]);
  for (const kind of kinds) {
    const [from, until] = window();
    const link = (fault: LinkFault) => events.push({ type: 'link', from, until, fault });
    switch (kind) {
      case 'partition': {
        const shape = PARTITION_SHAPES[rng.int(PARTITION_SHAPES.length)];
        link(makePartition(shape, nodes, rng));
        break;
      }
      case 'pause':
        events.push({ type: 'pause', from, until, node: victim() });
        break;
      case 'crash': {
        const node = victim();
        events.push({ type: 'crash', at: from, node });
        events.push({ type: 'restart', at: until, node, durable: false });
        break;
      }
      case 'loss':
        link({ kind: 'loss', probability: Math.round((0.1 + 0.4 * rng.next()) * 100) / 100 });
        break;
      case 'delay':
        link({ kind: 'delay', latency: 20 + rng.int(200), jitter: rng.int(200) });
        break;
      case 'duplicate':
        link({ kind: 'duplicate', probability: Math.round((0.1 + 0.3 * rng.next()) * 100) / 100 });
        break;
      case 'reorder':
        link({ kind: 'reorder' });
        break;
    }
  }
  return events.sort((a, b) => startOf(a) - startOf(b));
}
