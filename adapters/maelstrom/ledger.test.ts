// The ledger that reads a Maelstrom node's grow-only set back as the
// contract's last-writer-wins entries.
import { describe, expect, test } from 'vitest';
import { WriteLedger } from './ledger.js';

describe('WriteLedger', () => {
  test('every write gets the next integer, versioned by it and its writer', () => {
    const l = new WriteLedger();
    expect(l.record({ node: 'n1', key: 'k1', value: 'v1' })).toEqual({
      message: 1,
      version: { counter: 1, origin: 'n1' },
    });
    expect(l.record({ node: 'n2', key: 'k0', value: 'v2' }).message).toBe(2);
  });

  test('a read back holds, per key, the newest write present, sorted by key', () => {
    const l = new WriteLedger();
    l.record({ node: 'n1', key: 'k1', value: 'a' });
    l.record({ node: 'n2', key: 'k0', value: 'b' });
    l.record({ node: 'n3', key: 'k1', value: 'c' });
    expect(l.readBack([1, 2, 3]).entries).toEqual([
      { key: 'k0', value: 'b', version: { counter: 2, origin: 'n2' } },
      { key: 'k1', value: 'c', version: { counter: 3, origin: 'n3' } },
    ]);
    // Order in the set does not matter; an older write alone is what the node holds.
    expect(l.readBack([3, 1]).entries.map((e) => e.value)).toEqual(['c']);
    expect(l.readBack([1]).entries.map((e) => e.value)).toEqual(['a']);
    // Numbers sent as strings count as the number.
    expect(l.readBack(['2']).entries.map((e) => e.value)).toEqual(['b']);
  });

  test('values no write made are reported, not read as entries', () => {
    const l = new WriteLedger();
    l.record({ node: 'n1', key: 'k1', value: 'a' });
    expect(l.readBack([1, 2, 0, -1, 1.5, 'x', null])).toEqual({
      entries: [{ key: 'k1', value: 'a', version: { counter: 1, origin: 'n1' } }],
      unknown: [2, 0, -1, 1.5, 'x', null],
    });
  });

  test('keysOf maps carried values to the keys of their writes, once each', () => {
    const l = new WriteLedger();
    l.record({ node: 'n1', key: 'k1', value: 'a' });
    l.record({ node: 'n1', key: 'k0', value: 'b' });
    l.record({ node: 'n1', key: 'k1', value: 'c' });
    expect(l.keysOf(['3', '1', '2', '"2"', '99', 'not json'])).toEqual(['k0', 'k1']);
    expect(l.keysOf([])).toEqual([]);
  });
});
