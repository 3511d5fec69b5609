// Packet loss for direct-transport chaos runs. The shared realtime schedule
// (engine/realtime/schedule.ts) gives the direct transport partitions,
// pauses and kills only; every direct run also gets one window of loss on
// every edge, applied by iptables `statistic` rules in the run's chain
// (iptables.ts). It comes from an RNG of its own, so the rest of a seed's
// schedule stays what it always was.
import type { NodeId } from '../../../proto/contract.js';
import { deriveSeed, Rng } from '../../../shared/prng.js';
import type { FaultSchedule } from '../../faults/schedule.js';
import { startOf } from '../../faults/schedule.js';

export function withDirectLoss(
  schedule: FaultSchedule,
  seed: number,
  nodes: readonly NodeId[],
  durationMs: number,
): FaultSchedule {
  if (nodes.length < 2 || durationMs < 2000) return schedule;
  const rng = new Rng(deriveSeed(seed, 'chaos-direct-loss'));
  const len = Math.round(durationMs * (0.2 + 0.15 * rng.next()));
  const from = Math.round(durationMs * 0.05 + rng.next() * (durationMs * 0.9 - len));
  const probability = Math.round((0.1 + 0.3 * rng.next()) * 100) / 100;
  return [
    ...schedule,
    { type: 'link' as const, from, until: from + len, fault: { kind: 'loss' as const, probability } },
  ].sort((a, b) => startOf(a) - startOf(b));
}
