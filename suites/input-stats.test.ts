import { describe, expect, test } from 'vitest';
import { inputShape } from './input-stats.js';

describe('inputShape: how big a counterexample is, whatever its case', () => {
  test('a lockstep input: n, its listed writes, its fault events', () => {
    const input = {
      n: 3,
      fanout: 1,
      writes: [{ round: 1, node: 0, key: 'a', value: 'v0' }],
      faults: [
        { type: 'partition', shape: 'halves', from: 1, until: 2, pick: 0 },
        { type: 'link', from: 1, until: 3, fault: { kind: 'loss', probability: 0.3 } },
      ],
    };
    expect(inputShape(input)).toEqual({
      nodes: 3,
      writes: 1,
      faults: 2,
      text: '3 nodes, 1 write, 2 faults (loss+partition)',
    });
  });

  test('a realtime input counts its writes; a Maelstrom one has none to count', () => {
    expect(inputShape({ nodes: 5, writes: 12, faults: [] }).text).toBe('5 nodes, 12 writes, no faults');
    const maelstrom = { nodes: 4, faults: [{ kind: 'partition', shape: 'ring', start: 10, length: 40 }] };
    expect(inputShape(maelstrom)).toMatchObject({ nodes: 4, writes: 0, faults: 1 });
    expect(inputShape(maelstrom).text).toMatch(/^4 nodes, 1 fault \(/);
  });
});
