// A long run: writes keep arriving over a span of hundreds of rounds, and
// faults (partitions, loss, crashes) come and heal all along it, late ones
// included, so each write has a window of its own to be judged in.
import * as fc from 'fast-check';
import { PARTITION_SHAPES } from '../../engine/faults/schedule.js';
import type { FaultInput, WriteInput } from '../model.js';

const KEYS = ['a', 'b', 'c', 'd', 'e', 'f'] as const;

export interface LongRunLimits {
  /** The span writes and faults are spread over, in rounds. */
  minSpan: number;
  maxSpan: number;
  maxWrites: number;
  maxFaults: number;
  /** The longest a fault lasts. */
  maxFaultLength: number;
}

export const LONG_RUN: LongRunLimits = {
  minSpan: 200,
  maxSpan: 400,
  maxWrites: 16,
  maxFaults: 6,
  maxFaultLength: 20,
};

/** One fault starting at `from` (a fraction of the span is applied by the caller), healed after `length` rounds. */
const faultArb = (span: number, maxLength: number): fc.Arbitrary<FaultInput> => {
  const window = fc.record({
    from: fc.integer({ min: 1, max: span }),
    length: fc.integer({ min: 1, max: maxLength }),
  });
  return fc.oneof(
    fc.record({ w: window, shape: fc.constantFrom(...PARTITION_SHAPES), pick: fc.nat({ max: 0xffff }) }).map(
      ({ w, shape, pick }): FaultInput => ({
        type: 'partition',
        shape,
        from: w.from,
        until: w.from + w.length,
        pick,
      }),
    ),
    fc.record({ w: window, percent: fc.integer({ min: 1, max: 30 }) }).map(
      ({ w, percent }): FaultInput => ({
        type: 'link',
        fault: { kind: 'loss', probability: percent / 100 },
        from: w.from,
        until: w.from + w.length,
      }),
    ),
    fc.record({ w: window, node: fc.nat({ max: 63 }) }).map(
      ({ w, node }): FaultInput => ({
        type: 'crash',
        node,
        at: Math.max(2, w.from),
        restartAt: Math.max(2, w.from) + w.length,
        durable: false,
      }),
    ),
  );
};

/**
 * Writes over [1, span] with at least one in the last quarter, and faults
 * over the span with at least one starting in the last third (each healed
 * within maxFaultLength rounds). Shrinking goes toward a shorter span, fewer
 * writes and faults.
 */
export function longRunPlanArb(
  limits: LongRunLimits = LONG_RUN,
): fc.Arbitrary<{ writes: WriteInput[]; faults: FaultInput[] }> {
  return fc.integer({ min: limits.minSpan, max: limits.maxSpan }).chain((span) => {
    const write = (min: number) =>
      fc.record({
        round: fc.integer({ min, max: span }),
        node: fc.nat({ max: 63 }),
        key: fc.constantFrom(...KEYS),
      });
    const lateFault = faultArb(span, limits.maxFaultLength).map((f) => shift(f, Math.floor((2 * span) / 3)));
    return fc
      .record({
        writes: fc.array(write(1), { minLength: 4, maxLength: limits.maxWrites - 1 }),
        lateWrite: write(Math.floor((3 * span) / 4)),
        faults: fc.array(faultArb(span, limits.maxFaultLength), {
          minLength: 1,
          maxLength: limits.maxFaults - 1,
        }),
        lateFault,
      })
      .map(({ writes, lateWrite, faults, lateFault }) => ({
        writes: [...writes, lateWrite]
          .sort((a, b) => a.round - b.round)
          .map((w, i) => ({ ...w, value: `v${i}` })),
        faults: [...faults, lateFault],
      }));
  });
}

/** Moves a fault so that it starts no earlier than `min` (and still within the span's scale). */
function shift(f: FaultInput, min: number): FaultInput {
  if (f.type === 'crash') {
    const at = Math.max(f.at, min);
    return { ...f, at, restartAt: at + (f.restartAt - f.at) };
  }
  if ('from' in f) {
    const from = Math.max(f.from, min);
    return { ...f, from, until: from + (f.until - f.from) };
  }
  return f;
}
