// The chain's rules as commands (pure): which edges a chain holds, how cuts
// stack and heal, what a chain built again carries, and how counts are read.
// Real iptables runs them in the docker and swarm e2e tests.
import { describe, expect, it } from 'vitest';
import { EdgeRules, parseEdgeCounters } from './edge-rules.js';

const ips = new Map([
  ['a', '10.0.0.1'],
  ['b', '10.0.0.2'],
  ['c', '10.0.0.3'],
]);

function rules(sources?: string[]) {
  const log: string[] = [];
  const r = new EdgeRules(
    'r1',
    ['a', 'b', 'c'],
    ips,
    async (cmds) => {
      for (const c of cmds) log.push(c.join(' '));
    },
    async () => '',
    sources,
  );
  return { r, log };
}

describe('EdgeRules', () => {
  it("holds only its sources' outgoing edges", async () => {
    const { r, log } = rules(['b']);
    expect(r.countingRules().map((c) => c.slice(0, 6).join(' '))).toEqual([
      '-A GC-r1 -s 10.0.0.2/32 -d 10.0.0.1/32',
      '-A GC-r1 -s 10.0.0.2/32 -d 10.0.0.3/32',
    ]);
    await r.cut([
      ['a', 'b'],
      ['b', 'c'],
    ]);
    expect(log).toHaveLength(1);
    expect(log[0]).toMatch(
      /^-I GC-r1 1 -s 10\.0\.0\.2\/32 -d 10\.0\.0\.3\/32 -m conntrack --ctdir ORIGINAL .* -j DROP$/,
    );
  });

  it('stacks overlapping cuts: an edge cut twice needs two heals, and a third heal does nothing', async () => {
    const { r, log } = rules();
    await r.cut([['a', 'b']]);
    await r.cut([['a', 'b']]);
    await r.heal([['a', 'b']]);
    expect(r.inForce()).toHaveLength(1);
    await r.heal([['a', 'b']]);
    await r.heal([['a', 'b']]);
    expect(r.inForce()).toEqual([]);
    expect(log.filter((l) => l.startsWith('-D'))).toHaveLength(2);
  });

  it('carries cuts and losses in force to a chain built at new addresses', async () => {
    const { r } = rules(['a']);
    await r.cut([['a', 'b']]);
    await r.startLoss([{ from: 'a', to: 'c', probability: 0.25 }]);
    const moved = r.withAddresses(
      new Map([...ips, ['b', '10.0.0.9']]),
      async () => {},
      async () => '',
    );
    const force = moved.inForce().map((c) => c.join(' '));
    expect(force).toHaveLength(2);
    expect(force[0]).toContain('-d 10.0.0.9/32 -m conntrack');
    expect(force[1]).toContain('--probability 0.25');
    await moved.stopLoss([{ from: 'a', to: 'c', probability: 0.25 }]);
    expect(moved.inForce()).toHaveLength(1);
  });
});

describe('parseEdgeCounters', () => {
  it("sums each directed edge's rules of this run, in node order, ignoring other runs", () => {
    const out = [
      '-N GC-r1',
      '-A GC-r1 -s 10.0.0.2/32 -d 10.0.0.1/32 -m comment --comment "gossipcheck:r1:count:b>a" -c 5 500',
      '-A GC-r1 -s 10.0.0.1/32 -d 10.0.0.2/32 -m conntrack --ctdir ORIGINAL -m comment --comment "gossipcheck:r1:drop:a>b" -c 3 180 -j DROP',
      '-A GC-r1 -s 10.0.0.1/32 -d 10.0.0.2/32 -m statistic --mode random --probability 0.2 -m comment --comment "gossipcheck:r1:loss:a>b" -c 2 120 -j DROP',
      '-A GC-r1 -s 10.0.0.1/32 -d 10.0.0.2/32 -m comment --comment "gossipcheck:r1:count:a>b" -c 7 700',
      '-A GC-r1 -m comment --comment "gossipcheck:r2:count:a>c" -c 9 900',
    ].join('\n');
    expect(parseEdgeCounters(out, 'r1', ['a', 'b', 'c'])).toEqual({
      passed: [
        ['a', 'b', 7, 700],
        ['b', 'a', 5, 500],
      ],
      dropped: [['a', 'b', 5, 300]],
    });
  });
});
