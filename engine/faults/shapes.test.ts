import { describe, expect, it } from 'vitest';
import { Rng } from '../../shared/prng.js';
import type { LinkFault, PartitionShape } from './schedule.js';
import { cutEdges, edgeSelected, makePartition, partitionPredicate, resolveShape } from './shapes.js';

const nodes = ['n1', 'n2', 'n3', 'n4', 'n5', 'n6', 'n7'];
const key = (e: readonly [string, string]) => `${e[0]}>${e[1]}`;

describe('resolveShape', () => {
  it('is a seeded choice: same seed same groups, groups cover the nodes', () => {
    const shapes: PartitionShape[] = ['isolate', 'halves', 'majority-minority', 'ring', 'bridge', 'one-way'];
    for (const shape of shapes) {
      const a = resolveShape(shape, nodes, new Rng(7));
      expect(resolveShape(shape, nodes, new Rng(7))).toEqual(a);
      expect(a.flat().sort()).toEqual([...nodes].sort());
    }
    const seen = new Set<string>();
    for (let s = 0; s < 20; s++) seen.add(JSON.stringify(resolveShape('isolate', nodes, new Rng(s))));
    expect(seen.size).toBeGreaterThan(1);
  });

  it('sizes: isolate 1/n-1, halves ceil/floor, majority floor(n/2)+1, bridge halves+1', () => {
    const rng = new Rng(1);
    expect(resolveShape('isolate', nodes, rng).map((g) => g.length)).toEqual([1, 6]);
    expect(resolveShape('halves', nodes, rng).map((g) => g.length)).toEqual([4, 3]);
    expect(resolveShape('majority-minority', nodes, rng).map((g) => g.length)).toEqual([4, 3]);
    expect(resolveShape('majority-minority', nodes.slice(0, 4), rng).map((g) => g.length)).toEqual([3, 1]);
    expect(resolveShape('bridge', nodes, rng).map((g) => g.length)).toEqual([3, 3, 1]);
    expect(resolveShape('ring', nodes, rng).map((g) => g.length)).toEqual([7]);
  });
});

describe('cutEdges', () => {
  const n = nodes.length;

  it('is partitionPredicate over every ordered pair, in node order, for every shape and seed', () => {
    const shapes: PartitionShape[] = ['isolate', 'halves', 'majority-minority', 'ring', 'bridge', 'one-way'];
    // Nodes the partition does not name (joined later, listed in another order) are never cut.
    const among = ['n9', ...nodes.slice().reverse(), 'n8'];
    for (const shape of shapes) {
      for (let seed = 0; seed < 10; seed++) {
        const f = makePartition(shape, nodes, new Rng(seed));
        const cut = partitionPredicate(f);
        const pairs = among.flatMap((a) => among.flatMap((b) => (a !== b && cut(a, b) ? [[a, b]] : [])));
        expect(cutEdges(f, among)).toEqual(pairs);
      }
    }
  });

  it('isolate cuts 2(n-1) edges, all touching the lonely node', () => {
    const f = makePartition('isolate', nodes, new Rng(3));
    const lonely = f.groups[0][0];
    const edges = cutEdges(f, nodes);
    expect(edges).toHaveLength(2 * (n - 1));
    for (const [a, b] of edges) expect(a === lonely || b === lonely).toBe(true);
  });

  it('halves and majority-minority cut 2|A||B| edges', () => {
    for (const shape of ['halves', 'majority-minority'] as const) {
      const f = makePartition(shape, nodes, new Rng(4));
      expect(cutEdges(f, nodes)).toHaveLength(2 * f.groups[0].length * f.groups[1].length);
    }
  });

  it('one-way cuts only groups[0] -> groups[1]', () => {
    const f: LinkFault = { kind: 'partition', shape: 'one-way', groups: [['n1', 'n2'], ['n3']] };
    expect(cutEdges(f, ['n1', 'n2', 'n3'])).toEqual([
      ['n1', 'n3'],
      ['n2', 'n3'],
    ]);
  });

  it('ring keeps only ring neighbours', () => {
    const f: LinkFault = { kind: 'partition', shape: 'ring', groups: [['n1', 'n3', 'n2', 'n4']] };
    const cut = new Set(cutEdges(f, ['n1', 'n2', 'n3', 'n4']).map(key));
    // ring n1-n3-n2-n4-n1: non-neighbours are n1/n2 and n3/n4.
    expect(cut).toEqual(new Set(['n1>n2', 'n2>n1', 'n3>n4', 'n4>n3']));
    const big = makePartition('ring', nodes, new Rng(5));
    expect(cutEdges(big, nodes)).toHaveLength(n * (n - 1) - 2 * n);
  });

  it('bridge cuts the halves apart but not the bridge', () => {
    const f: LinkFault = { kind: 'partition', shape: 'bridge', groups: [['n1', 'n2'], ['n3', 'n4'], ['n5']] };
    const edges = cutEdges(f, ['n1', 'n2', 'n3', 'n4', 'n5']);
    expect(edges).toHaveLength(8);
    expect(edges.some(([a, b]) => a === 'n5' || b === 'n5')).toBe(false);
  });

  it('is sorted by node order and empty for non-partition faults', () => {
    const f = makePartition('halves', nodes, new Rng(9));
    const edges = cutEdges(f, nodes);
    const idx = (x: string) => nodes.indexOf(x);
    const sorted = [...edges].sort((a, b) => idx(a[0]) - idx(b[0]) || idx(a[1]) - idx(b[1]));
    expect(edges).toEqual(sorted);
    expect(cutEdges({ kind: 'loss', probability: 1 }, nodes)).toEqual([]);
  });

  it('gives every pair the predicate cuts, in node order, for every shape and odd groups', () => {
    // The n² definition, which cutEdges must equal while testing fewer pairs.
    const naive = (f: Extract<LinkFault, { kind: 'partition' }>, all: string[]) =>
      all.flatMap((a) => all.filter((b) => a !== b && partitionPredicate(f)(a, b)).map((b) => [a, b]));
    const shapes: PartitionShape[] = ['isolate', 'halves', 'majority-minority', 'ring', 'bridge', 'one-way'];
    for (let seed = 0; seed < 30; seed++) {
      const rng = new Rng(seed);
      const all = Array.from({ length: 2 + rng.int(12) }, (_, i) => `n${i}`);
      for (const shape of shapes) {
        const f = makePartition(shape, all, rng);
        expect(cutEdges(f, all)).toEqual(naive(f, all));
        // Groups out of node order, a node in two groups, one unknown, one left out.
        const odd = {
          ...f,
          groups: f.groups.map((g, i) => [...g].reverse().concat(i === 0 ? ['x', all[0]] : [])),
        };
        const some = all.slice(1);
        expect(cutEdges(odd, some)).toEqual(naive(odd, some));
      }
    }
  });

  it('edgeSelected honours from/to', () => {
    expect(edgeSelected(undefined, 'a', 'b')).toBe(true);
    expect(edgeSelected({ from: ['a'] }, 'a', 'b')).toBe(true);
    expect(edgeSelected({ from: ['a'] }, 'b', 'a')).toBe(false);
    expect(edgeSelected({ to: ['b'] }, 'a', 'b')).toBe(true);
    expect(edgeSelected({ from: ['a'], to: ['c'] }, 'a', 'b')).toBe(false);
  });
});
