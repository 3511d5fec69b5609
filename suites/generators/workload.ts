// Workload arbitraries: client writes at nodes over rounds. Values are
// assigned after generation (v0, v1, ... padded to a drawn size) so shrinking
// never works on their text, only on their size, toward short values.
import * as fc from 'fast-check';
import type { WriteInput } from '../model.js';

const KEYS = ['a', 'b', 'c', 'd'] as const;
/** Many keys: dozens of them make digests long enough to split. */
const MANY_KEYS = Array.from({ length: 40 }, (_, i) => `k${String(i).padStart(2, '0')}`);
/** Long keys (60..200 characters): a digest of a few of them already splits at 512 bytes. */
const LONG_KEYS = [60, 120, 200].map((len, i) => `long-${i}-${'abcdefghij'.repeat(20)}`.slice(0, len));

/**
 * The size of a value in bytes: empty, small, medium, or large (up to 4000,
 * beyond the smallest max_payload_bytes drawn; scenarioArb caps each value so
 * that key and value fit one envelope, see docs/contract.md, Sizes).
 */
export const valueSizeArb: fc.Arbitrary<number> = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: 1, max: 16 }) },
  { weight: 1, arbitrary: fc.constant(0) },
  { weight: 2, arbitrary: fc.integer({ min: 17, max: 400 }) },
  { weight: 1, arbitrary: fc.integer({ min: 401, max: 4000 }) },
);

const keyArb: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...KEYS) },
  { weight: 2, arbitrary: fc.constantFrom(...MANY_KEYS) },
  { weight: 1, arbitrary: fc.constantFrom(...LONG_KEYS) },
);

/** `v<i>` padded with a repeating pattern to `size` bytes (ASCII; '' for size 0). */
export function paddedValue(i: number, size: number): string {
  if (size <= 0) return '';
  const head = `v${i}`;
  if (size <= head.length) return head.slice(0, size);
  return `${head}-${'0123456789abcdefghijklmnopqrstuvwxyz'.repeat(Math.ceil(size / 36))}`.slice(0, size);
}

type Drawn = Omit<WriteInput, 'value'> & { size?: number };

function numbered(ws: Drawn[]): WriteInput[] {
  return ws.map(({ size, ...w }, i) => ({
    ...w,
    value: size === undefined ? `v${i}` : paddedValue(i, size),
  }));
}

/**
 * Up to `max` writes in rounds [1, lastRound] at any node index, keys short,
 * many or long, values of every size; or, one time in four, a burst of 10..40
 * writes to distinct keys within two rounds (dozens of keys: digests and
 * entry batches must split).
 */
export function writesArb(lastRound: number, max = 6): fc.Arbitrary<WriteInput[]> {
  const few = fc.array(
    fc.record({
      round: fc.integer({ min: 1, max: lastRound }),
      node: fc.nat({ max: 63 }),
      key: keyArb,
      size: valueSizeArb,
    }),
    { minLength: 1, maxLength: max },
  );
  if (max < 2) return few.map(numbered);
  const burst = fc
    .record({
      round: fc.integer({ min: 1, max: lastRound }),
      keys: fc.uniqueArray(fc.constantFrom(...MANY_KEYS, ...LONG_KEYS), { minLength: 10, maxLength: 40 }),
      nodes: fc.array(fc.nat({ max: 63 }), { minLength: 1, maxLength: 40 }),
      sizes: fc.array(valueSizeArb, { minLength: 1, maxLength: 40 }),
    })
    .map(({ round, keys, nodes, sizes }) =>
      keys.map((key, i) => ({
        round: round + (i % 2),
        node: nodes[i % nodes.length],
        key,
        size: sizes[i % sizes.length],
      })),
    );
  // Cross shrink: a failing burst (10 writes or more) is shrunk by trying a
  // few-writes input first, so a failure that needs one write ends with one.
  return fc
    .oneof({ withCrossShrink: true }, { weight: 3, arbitrary: few }, { weight: 1, arbitrary: burst })
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
          key: keyArb,
          size: valueSizeArb,
        }),
        { maxLength: 3 },
      ),
    })
    .map(({ round, writers, others }) =>
      numbered([...writers.map((node) => ({ round, node, key: 'a' })), ...others]),
    );
}
