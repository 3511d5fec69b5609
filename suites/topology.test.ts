// Peer graphs: generated connected and deterministic, carried in the history
// only when not a full mesh, judged by the addressing check (a node must
// contact only its peers, or reply to who contacted it), and bounded by the
// graph bound of checks/bounds.ts.
import * as fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  convergenceBound,
  GRAPH_EXACT_MAX_NODES,
  graphDiameter,
  graphSpread,
  isFullMeshGraph,
  type PeerGraph,
  quiescenceBound,
} from '../checks/bounds.js';
import { ADDRESSING, checkAddressing } from '../checks/contract.js';
import { HistoryBuilder } from '../checks/testing/builder.js';
import { buildView } from '../checks/view.js';
import type { NodeInit, Parameters, Variant } from '../proto/contract.js';
import { ReferenceHost } from '../reference/host.js';
import { params } from '../reference/testing/drive.js';
import { CONTRACT_CASES } from './cases/contract.js';
import { CONVERGENCE_CASES } from './cases/convergence.js';
import { SIR_CASES } from './cases/sir.js';
import {
  connected,
  materialize,
  TOPOLOGY_KINDS,
  TOPOLOGY_PARAMS,
  topologyArb,
} from './generators/topology.js';
import type { CaseContext, CaseDef, ScenarioInput, TopologyInput } from './model.js';
import { peersOf, toSpec } from './scenario.js';

const P = (over: Partial<Parameters> = {}): Parameters => params({ variant: 'anti-entropy-push', ...over });

const ring = (n: number): PeerGraph =>
  Object.fromEntries(
    Array.from({ length: n }, (_, i) => [`n${i}`, [`n${(i + n - 1) % n}`, `n${(i + 1) % n}`]]),
  );

describe('generated topologies', () => {
  it('every kind and parameter gives a connected, symmetric graph without self-loops, the same for the same seed', () => {
    for (const kind of TOPOLOGY_KINDS)
      for (const param of new Set([
        TOPOLOGY_PARAMS[kind].min,
        Math.round((TOPOLOGY_PARAMS[kind].min + TOPOLOGY_PARAMS[kind].max) / 2),
        TOPOLOGY_PARAMS[kind].max,
      ]))
        for (let n = 1; n <= 40; n += 3)
          for (const seed of [0, 1, 77, 123456]) {
            const adj = materialize({ kind, param }, n, seed);
            expect(adj).toEqual(materialize({ kind, param }, n, seed));
            expect(connected(adj.map((a) => new Set(a)))).toBe(true);
            adj.forEach((peers, i) => {
              expect(peers).not.toContain(i);
              for (const j of peers) expect(adj[j]).toContain(i);
            });
          }
  });

  it('sparse kinds are sparse: a ring of 12 has degree 2 and diameter 6; a star of seeds has them as hubs', () => {
    const r = peersOf({ n: 12, topology: { kind: 'ring', param: 1 }, seed: 5 });
    expect(Object.values(r).every((p) => p.length === 2)).toBe(true);
    expect(graphDiameter(r)).toBe(6);
    const s = peersOf({ n: 9, topology: { kind: 'star', param: 2 }, seed: 5 });
    expect(s.n0).toHaveLength(8);
    expect(s.n5).toEqual(['n0', 'n1']);
    expect(isFullMeshGraph(peersOf({ n: 9, seed: 5 }))).toBe(true);
    expect(isFullMeshGraph(s)).toBe(false);
  });

  it('the arbitrary draws every kind', () => {
    const kinds = new Set(fc.sample(topologyArb(), { numRuns: 300, seed: 1 }).map((t) => t.kind));
    expect([...kinds].sort()).toEqual([...TOPOLOGY_KINDS].sort());
  });
});

describe('graph bounds', () => {
  it('a full mesh given as peers keeps the complete-graph bound', () => {
    const full = peersOf({ n: 8, seed: 1 });
    for (const v of ['anti-entropy-push', 'hybrid'] as Variant[])
      expect(convergenceBound(v, P({ variant: v }), 8, full)).toEqual(
        convergenceBound(v, P({ variant: v }), 8),
      );
  });

  it('never below the diameter; push on a star is slower than push-pull; more fanout is never slower', () => {
    const g = ring(16);
    for (const mode of ['push', 'pull', 'push-pull'] as const) {
      const s = graphSpread(g, mode, 1);
      expect(s.rounds).toBeGreaterThanOrEqual(8);
      expect(graphSpread(g, mode, 2).rounds).toBeLessThanOrEqual(s.rounds);
    }
    const star = peersOf({ n: 10, topology: { kind: 'star', param: 1 }, seed: 1 });
    expect(graphSpread(star, 'push', 1).rounds).toBeGreaterThan(graphSpread(star, 'push-pull', 1).rounds);
    // push-pull on a path where every step is certain: exactly the distance.
    expect(graphSpread(ring(10), 'push-pull', 2).rounds).toBe(5);
  });

  it('past GRAPH_EXACT_MAX_NODES: diameter steps of the weakest edge, exact where every edge is alike', () => {
    const big = GRAPH_EXACT_MAX_NODES + 2;
    // A ring: every edge alike, so the bound is the exact one of a ring just below the limit, one hop longer.
    const below = graphSpread(ring(GRAPH_EXACT_MAX_NODES), 'push-pull', 1);
    const above = graphSpread(ring(big), 'push-pull', 1);
    expect(above).toMatchObject({ diameter: big / 2, qMin: below.qMin });
    expect(above.rounds).toBeGreaterThanOrEqual(below.rounds);
    expect(above.rounds).toBeLessThanOrEqual(below.rounds + 3);
    // Certain steps: the diameter itself; a star around one hub is 2 at any size.
    expect(graphSpread(ring(big), 'push-pull', 2).rounds).toBe(big / 2);
    const star = peersOf({ n: 10_000, topology: { kind: 'star', param: 1 }, seed: 1 });
    expect(graphSpread(star, 'push-pull', 1)).toMatchObject({ rounds: 2, diameter: 2, qMin: 1 });
    // Push from the hub reaches a given leaf with 1/(n-1) a round: far longer.
    expect(graphSpread(star, 'push', 1).rounds).toBeGreaterThan(10_000);
  });

  it('quiescence on a graph counts idle stretches: counter rules are exact, coin and pull rules have a tail', () => {
    const g = ring(10);
    const counter = quiescenceBound('rumor-push', P({ lossOfInterest: 'blind-counter', rumorK: 3 }), 10, g);
    expect(counter.rounds).toBe(11 * (3 + 1)); // (n·V + 1)·(ceil(k/c) + 1), c = min(fanout 1, degree 2)
    const coin = quiescenceBound('rumor-push', P({ lossOfInterest: 'blind-coin', rumorK: 3 }), 10, g);
    expect(coin.rounds).toBeGreaterThan(counter.rounds);
    const pull = quiescenceBound('rumor-pull', P({ lossOfInterest: 'blind-counter', rumorK: 3 }), 10, g);
    expect(pull.rounds).toBeGreaterThan(counter.rounds);
  });
});

describe('addressing on a peer graph', () => {
  const nodes = ['a', 'b', 'c'];
  const withPeers = (peers: Record<string, string[]>) => {
    const h = new HistoryBuilder({ nodes });
    (h.events[0] as { peers?: Record<string, string[]> }).peers = peers;
    return h;
  };

  it('a send to a non-peer that never wrote to the sender fails; a reply to who wrote to it passes', () => {
    // a -> b is a peer edge; b's only peer is c, but b may answer a.
    const h = withPeers({ a: ['b'], b: ['c'], c: ['b'] });
    h.round(1).tick();
    h.send('a', 'b', 'digest');
    h.send('b', 'a', 'entries', [], { hop: 1 });
    expect(checkAddressing(buildView(h.events)).verdict).toBe('PASS');
    h.send('c', 'a', 'digest');
    const v = checkAddressing(buildView(h.events));
    expect(v.verdict).toBe('FAIL');
    expect(v.evidence.details.join('\n')).toContain('a is not a peer of c');
  });

  it('without peers in the run event any other node of the run may be addressed', () => {
    const h = new HistoryBuilder({ nodes });
    h.round(1).tick();
    h.send('c', 'a', 'digest');
    expect(checkAddressing(buildView(h.events)).verdict).toBe('PASS');
  });
});

/** The reference host, except that every node is told every other node is its peer. */
class IgnoresPeers extends ReferenceHost {
  override init(nodes: NodeInit[], p: Parameters, mode: 'lockstep' | 'realtime') {
    const ids = nodes.map((x) => x.id);
    return super.init(
      nodes.map((x) => ({ ...x, peers: ids.filter((id) => id !== x.id) })),
      p,
      mode,
    );
  }
}

const input = (topology: TopologyInput, over: Partial<ScenarioInput> = {}): ScenarioInput => ({
  n: 8,
  topology,
  fanout: 2,
  rumorK: 2,
  lossOfInterest: 'feedback-counter',
  antiEntropyEvery: 2,
  seed: 11,
  writes: [
    { round: 1, node: 0, key: 'a', value: 'v0' },
    { round: 3, node: 5, key: 'b', value: 'v1' },
  ],
  faults: [],
  values: [1],
  ...over,
});

async function check(host: ReferenceHost, c: CaseDef<ScenarioInput>, i: ScenarioInput, variant: Variant) {
  const init = await host.init([], P({ variant }), 'lockstep');
  const ctx: CaseContext = {
    endpoint: host,
    capabilities: init.capabilities,
    callTimeoutMs: 5000,
    minRounds: 0,
  };
  return c.check(i, variant, ctx);
}

describe('the reference on peer graphs', () => {
  const addressing = CONTRACT_CASES.find((c) => c.id === ADDRESSING.id)!;
  const noFaults = CONVERGENCE_CASES.find((c) => c.id === 'convergence/no-faults')!;
  const termination = SIR_CASES.find((c) => c.id === 'sir/termination')!;
  const kinds: TopologyInput[] = [
    { kind: 'ring', param: 1 },
    { kind: 'grid', param: 3 },
    { kind: 'regular', param: 3 },
    { kind: 'small-world', param: 30 },
    { kind: 'star', param: 1 },
  ];

  it('contacts only its peers (every variant, every kind), and the history lists the peers', async () => {
    for (const t of kinds)
      for (const variant of [
        'anti-entropy-push',
        'anti-entropy-pull',
        'rumor-push',
        'rumor-pull',
        'hybrid',
        'push-sum',
        'direct-mail',
      ] as Variant[]) {
        const out = await check(new ReferenceHost(), addressing, input(t), variant);
        expect(out.verdict, `${t.kind} ${variant}`).toBe('PASS');
        const run = out.events[0];
        expect(run.t === 'run' && run.peers).toEqual(peersOf(input(t)));
        const peers = peersOf(input(t));
        for (const e of out.events) if (e.t === 'send') expect(peers[e.from]).toContain(e.to);
      }
  });

  it('converges and quiesces within the graph bounds', async () => {
    for (const t of kinds) {
      for (const variant of [
        'anti-entropy-push',
        'anti-entropy-pull',
        'anti-entropy-push-pull',
        'hybrid',
      ] as Variant[])
        expect(
          (await check(new ReferenceHost(), noFaults, input(t), variant)).verdict,
          `${t.kind} ${variant}`,
        ).toBe('PASS');
      for (const variant of ['rumor-push', 'rumor-pull', 'hybrid'] as Variant[])
        expect(
          (await check(new ReferenceHost(), termination, input(t), variant)).verdict,
          `${t.kind} ${variant}`,
        ).toBe('PASS');
    }
  });

  it('a node that ignores its peer list fails contract/addressing', async () => {
    const out = await check(
      new IgnoresPeers(),
      addressing,
      input({ kind: 'ring', param: 1 }),
      'anti-entropy-push-pull',
    );
    expect(out.verdict).toBe('FAIL');
    expect(out.checks.find((c) => c.id === ADDRESSING.id)?.evidence.details.join('\n')).toContain(
      'is not a peer of',
    );
  });

  it('a full-mesh run records no peers, so its history bytes are those of before', async () => {
    const spec = toSpec(input({ kind: 'full', param: 0 }), 'anti-entropy-push', 1000, 'x');
    expect(isFullMeshGraph(spec.peers)).toBe(true);
    const noTopology = input({ kind: 'full', param: 0 });
    delete noTopology.topology;
    expect(toSpec(noTopology, 'anti-entropy-push', 1000, 'x')).toEqual(spec);
    const out = await check(new ReferenceHost(), addressing, noTopology, 'anti-entropy-push');
    expect(Object.keys(out.events[0])).toEqual([
      't',
      'seed',
      'mode',
      'nodes',
      'params',
      'rounds',
      'hopLimit',
      'values',
      'scenario',
    ]);
  });
});
