// SpreadCounter counts what spreadOf sorts: the same spread for any samples.
import * as fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { SpreadCounter, spreadOf } from './spread.js';

describe('SpreadCounter', () => {
  test('gives spreadOf of the same samples, fractions and repeats included', () => {
    const ms = fc.oneof(fc.integer({ min: 0, max: 3000 }), fc.double({ min: 0, max: 3000, noNaN: true }));
    fc.assert(
      fc.property(fc.array(ms, { maxLength: 400 }), (xs) => {
        const c = new SpreadCounter();
        for (const x of xs) c.add(x);
        expect(c.count).toBe(xs.length);
        expect(c.spread()).toEqual(spreadOf(xs));
      }),
    );
  });
});
