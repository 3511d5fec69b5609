// Workload arbitraries: client writes at nodes over rounds. Values are
// assigned after generation (v0, v1, ...) so shrinking never works on them.
import * as fc from 'fast-check';
import type { WriteInput } from '../model.js';

const KEYS = ['a', 'b', 'c', 'd'] as const;

function numbered(ws: Omit<WriteInput, 'value'>[]): WriteInput[] {
  return ws.map((w, i) => ({ ...w, value: `v${i}` }));
}

/** Up to `max` writes in rounds [1, lastRound] at any node index. */
export function writesArb(lastRound: number, max = 6): fc.Arbitrary<WriteInput[]> {
  return fc
    .array(
      fc.record({
        round: fc.integer({ min: 1, max: lastRound }),
        node: fc.nat({ max: 63 }),
        key: fc.constantFrom(...KEYS),
      }),
      { minLength: 1, maxLength: max },
    )
    .map(numbered);
}

/**
 * Concurrent writes: 2..4 distinct nodes write key "a" in the same round,
 * plus other writes; LWW must pick one winner everywhere.
 */
export function concurrentWritesArb(lastRound: number): fc.Arbitrary<WriteInput[]> {
  return fc
    .record({
      round: fc.integer({ min: 1, max: lastRound }),
      writers: fc.uniqueArray(fc.nat({ max: 63 }), { minLength: 2, maxLength: 4 }),
      others: fc.array(
        fc.record({
          round: fc.integer({ min: 1, max: lastRound }),
          node: fc.nat({ max: 63 }),
          key: fc.constantFrom(...KEYS),
        }),
        { maxLength: 3 },
      ),
    })
    .map(({ round, writers, others }) =>
      numbered([...writers.map((node) => ({ round, node, key: 'a' })), ...others]),
    );
}
