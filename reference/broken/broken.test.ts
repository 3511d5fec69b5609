// Each broken fixture shows its bug in a small deterministic scenario, next to
// the reference doing the right thing in the same scenario.
import { describe, expect, it } from 'vitest';
import type { Envelope, GossipEndpoint, Parameters, Snapshot } from '../../proto/contract.js';
import { decode } from '../codec.js';
import { ReferenceHost } from '../host.js';
import { fullMesh, nodeIds, params, runRound } from '../testing/drive.js';
import { BROKEN_FIXTURES, brokenFixture, makeBrokenHost } from './index.js';

const hosts = (name: string): [string, () => GossipEndpoint][] => [
  ['reference', () => new ReferenceHost()],
  [name, () => makeBrokenHost(name)],
];

async function start(host: GossipEndpoint, n: number, p: Parameters, seed = 1) {
  const ids = nodeIds(n);
  await host.init(fullMesh(ids, seed), p, 'lockstep');
  return ids;
}

const entry = (snap: Snapshot, key: string) => snap.entries.find((e) => e.key === key);

describe('registry', () => {
  it('names are unique, and every fixture names a variant, a bug and a case', () => {
    expect(BROKEN_FIXTURES.length).toBeGreaterThanOrEqual(10);
    expect(new Set(BROKEN_FIXTURES.map((f) => f.name)).size).toBe(BROKEN_FIXTURES.length);
    for (const f of BROKEN_FIXTURES) {
      expect(f.bug.length).toBeGreaterThan(10);
      expect(f.caughtBy).toMatch(/^[a-z-]+\/[a-z-/]+$/);
      expect(brokenFixture(f.name)).toEqual(f);
    }
  });

  it("Init reports broken-<name> and exactly the reference's capabilities", async () => {
    const ref = await new ReferenceHost().init(
      fullMesh(nodeIds(2), 1),
      params({ variant: 'rumor-push' }),
      'lockstep',
    );
    for (const f of BROKEN_FIXTURES) {
      const host = makeBrokenHost(f.name);
      const res = await host.init(fullMesh(nodeIds(2), 1), params({ variant: f.variant }), 'lockstep');
      expect(res.implementation).toBe(`broken-${f.name}`);
      expect(res.capabilities).toEqual(ref.capabilities);
    }
  });

  it('refuses an unknown name', () => {
    expect(() => makeBrokenHost('no-such-bug')).toThrow(/unknown broken fixture 'no-such-bug'/);
  });

  it('validates like the reference (bad input is still refused)', async () => {
    const host = makeBrokenHost('ignores-pull');
    await host.init(fullMesh(nodeIds(2), 1), params({ variant: 'anti-entropy-pull' }), 'lockstep');
    const bad: Envelope = { from: 'n0', to: 'n1', payload: new Uint8Array([1, 2]), kind: '', keys: [] };
    await expect(host.deliver([bad])).rejects.toThrow(/not valid JSON|not valid UTF-8/);
    await expect(host.deliver([{ ...bad, to: 'ghost' }])).rejects.toThrow(/unknown node 'ghost'/);
  });
});

describe('rumor-never-loses-interest', () => {
  it('keeps infective nodes and rumor traffic after the reference has quiesced', async () => {
    const result: Record<string, { infective: number; rumors: number }> = {};
    for (const [label, make] of hosts('rumor-never-loses-interest')) {
      const host = make();
      const ids = await start(host, 16, params({ variant: 'rumor-push', lossOfInterest: 'blind-counter' }));
      await host.update([{ node: ids[0], key: 'r', value: 'x' }]);
      for (let i = 0; i < 60; i++) await runRound(host, ids);
      const last = await runRound(host, ids);
      const snaps = await host.read(ids);
      result[label] = {
        infective: snaps.filter((s) => entry(s, 'r')?.status === 'infective').length,
        rumors: last.sent.filter((e) => e.kind === 'rumor').length,
      };
    }
    expect(result.reference).toEqual({ infective: 0, rumors: 0 });
    expect(result['rumor-never-loses-interest'].infective).toBeGreaterThan(0);
    expect(result['rumor-never-loses-interest'].rumors).toBeGreaterThan(0);
  });
});

describe('merge-older-overwrites', () => {
  it('lets the losing concurrent write overwrite the winner, so a version goes backwards', async () => {
    const after: Record<string, string[]> = {};
    for (const [label, make] of hosts('merge-older-overwrites')) {
      const host = make();
      const ids = await start(host, 2, params({ variant: 'anti-entropy-push' }));
      await host.update([
        { node: ids[0], key: 'a', value: 'loser' },
        { node: ids[1], key: 'a', value: 'winner' },
      ]);
      // n1 holds (1, n1), the LWW winner; one push exchange each way.
      await runRound(host, ids);
      after[label] = (await host.read(ids)).map(
        (s) => `${entry(s, 'a')!.value}@${entry(s, 'a')!.version.origin}`,
      );
    }
    expect(after.reference).toEqual(['winner@n1', 'winner@n1']);
    // n1 went back from (1, n1) to the older (1, n0).
    expect(after['merge-older-overwrites'][1]).toBe('loser@n0');
  });
});

describe('ignores-pull', () => {
  it('never spreads an update by pull anti-entropy', async () => {
    const holders: Record<string, number> = {};
    for (const [label, make] of hosts('ignores-pull')) {
      const host = make();
      const ids = await start(host, 6, params({ variant: 'anti-entropy-pull' }));
      await host.update([{ node: ids[0], key: 'a', value: 'x' }]);
      for (let i = 0; i < 20; i++) await runRound(host, ids);
      holders[label] = (await host.read(ids)).filter((s) => entry(s, 'a')).length;
    }
    expect(holders.reference).toBe(6);
    expect(holders['ignores-pull']).toBe(1);
  });
});

describe('fanout-exceeded', () => {
  it('starts exchanges with fanout+1 distinct peers in a tick', async () => {
    const most: Record<string, number> = {};
    for (const [label, make] of hosts('fanout-exceeded')) {
      const host = make();
      const ids = await start(host, 8, params({ variant: 'anti-entropy-push-pull', fanout: 2 }));
      const sent = await host.tick(ids);
      const peers = new Map<string, Set<string>>();
      for (const e of sent) peers.set(e.from, (peers.get(e.from) ?? new Set()).add(e.to));
      most[label] = Math.max(...[...peers.values()].map((s) => s.size));
    }
    expect(most.reference).toBe(2);
    expect(most['fanout-exceeded']).toBe(3);
  });
});

describe('forgets-durable', () => {
  it('declares durable restart but comes back from a crash with an empty store', async () => {
    const kept: Record<string, number> = {};
    for (const [label, make] of hosts('forgets-durable')) {
      const host = make();
      const p = params({ variant: 'hybrid' });
      const inits = fullMesh(nodeIds(3), 1);
      const res = await host.init(inits, p, 'lockstep');
      expect(res.capabilities.durableRestart).toBe(true);
      await host.update([{ node: 'n0', key: 'z', value: 'last-words' }]);
      await host.stop(['n0'], 'crash');
      await host.init([{ ...inits[0], restoreDurable: true, generation: 1 }], p, 'lockstep');
      kept[label] = (await host.read(['n0']))[0].entries.length;
    }
    expect(kept.reference).toBe(1);
    expect(kept['forgets-durable']).toBe(0);
  });
});

describe('restores-half', () => {
  it('declares durable restart but comes back from a crash with every other key of its store', async () => {
    const kept: Record<string, string[]> = {};
    for (const [label, make] of hosts('restores-half')) {
      const host = make();
      const p = params({ variant: 'anti-entropy-push-pull' });
      const inits = fullMesh(nodeIds(3), 1);
      const res = await host.init(inits, p, 'lockstep');
      expect(res.capabilities.durableRestart).toBe(true);
      await host.update(['a', 'b', 'c', 'd'].map((key) => ({ node: 'n0', key, value: key })));
      await host.stop(['n0'], 'crash');
      await host.init([{ ...inits[0], restoreDurable: true, generation: 1 }], p, 'lockstep');
      kept[label] = (await host.read(['n0']))[0].entries.map((e) => e.key);
    }
    expect(kept.reference).toEqual(['a', 'b', 'c', 'd']);
    expect(kept['restores-half']).toEqual(['b', 'd']);
  });
});

describe('pushsum-drops-weight', () => {
  it('loses weight every round', async () => {
    const weight: Record<string, number> = {};
    for (const [label, make] of hosts('pushsum-drops-weight')) {
      const host = make();
      const ids = nodeIds(8);
      await host.init(
        fullMesh(
          ids,
          1,
          ids.map((_, i) => i),
        ),
        params({ variant: 'push-sum' }),
        'lockstep',
      );
      for (let i = 0; i < 10; i++) await runRound(host, ids);
      weight[label] = (await host.read(ids)).reduce((a, s) => a + s.weight, 0);
    }
    expect(weight.reference).toBeCloseTo(8, 9);
    expect(weight['pushsum-drops-weight']).toBeLessThan(7);
  });
});

describe('applies-twice', () => {
  it('bumps the version when the same entries envelope is delivered again', async () => {
    const versions: Record<string, string[]> = {};
    for (const [label, make] of hosts('applies-twice')) {
      const host = make();
      const ids = await start(host, 2, params({ variant: 'anti-entropy-push-pull' }));
      await host.update([{ node: ids[0], key: 'a', value: 'x' }]);
      // n0's digest -> n1 answers "want a" -> n0 sends the entries.
      const digest = (await host.tick([ids[0]])).filter((e) => e.to === ids[1]);
      const want = await host.deliver(digest);
      const entries = await host.deliver(want);
      expect(entries.map((e) => e.keys)).toEqual([['a']]);
      const seen: string[] = [];
      for (let i = 0; i < 2; i++) {
        await host.deliver(entries);
        const v = entry((await host.read([ids[1]]))[0], 'a')!.version;
        seen.push(`${v.counter}@${v.origin}`);
      }
      versions[label] = seen;
    }
    expect(versions.reference).toEqual(['1@n0', '1@n0']);
    expect(versions['applies-twice']).toEqual(['1@n0', '2@n1']);
  });
});

describe('ships-known-values', () => {
  it('ships values the digest shows the peer already holds', async () => {
    const carried: Record<string, number> = {};
    for (const [label, make] of hosts('ships-known-values')) {
      const host = make();
      const ids = await start(host, 3, params({ variant: 'anti-entropy-push-pull' }));
      await host.update([{ node: ids[0], key: 'a', value: 'x' }]);
      for (let i = 0; i < 10; i++) await runRound(host, ids);
      expect((await host.read(ids)).every((s) => entry(s, 'a'))).toBe(true);
      // Converged: a correct exchange now carries no value at all.
      const round = await runRound(host, ids);
      carried[label] = round.sent.filter((e) => e.keys.length > 0).length;
      for (const e of round.sent) expect(decode(e.payload).ok).toBe(true);
    }
    expect(carried.reference).toBe(0);
    expect(carried['ships-known-values']).toBeGreaterThan(0);
  });
});

describe('hides-values-in-control', () => {
  it('spreads values as the reference does, in envelopes labelled control that list no keys', async () => {
    const seen: Record<string, { holders: number; listing: number; control: number }> = {};
    for (const [label, make] of hosts('hides-values-in-control')) {
      const host = make();
      const ids = await start(host, 3, params({ variant: 'anti-entropy-push-pull' }));
      await host.update([{ node: ids[0], key: 'a', value: 'x' }]);
      const sent: Envelope[] = [];
      for (let i = 0; i < 10; i++) sent.push(...(await runRound(host, ids)).sent);
      seen[label] = {
        holders: (await host.read(ids)).filter((s) => entry(s, 'a')).length,
        listing: sent.filter((e) => e.keys.length > 0).length,
        control: sent.filter((e) => e.kind === 'control').length,
      };
    }
    expect(seen.reference).toMatchObject({ holders: 3, control: 0 });
    expect(seen.reference.listing).toBeGreaterThan(0);
    expect(seen['hides-values-in-control']).toMatchObject({ holders: 3, listing: 0 });
    expect(seen['hides-values-in-control'].control).toBeGreaterThan(0);
  });
});

describe('stops-gossiping', () => {
  it('spreads a write made after period 50 nowhere, where the reference spreads it everywhere', async () => {
    const holders: Record<string, number> = {};
    for (const [label, make] of hosts('stops-gossiping')) {
      const host = make();
      const ids = await start(host, 6, params({ variant: 'anti-entropy-push-pull' }));
      for (let i = 0; i < 55; i++) await runRound(host, ids);
      await host.update([{ node: ids[2], key: 'late', value: 'x' }]);
      for (let i = 0; i < 20; i++) await runRound(host, ids);
      holders[label] = (await host.read(ids)).filter((s) => entry(s, 'late')).length;
    }
    expect(holders.reference).toBe(6);
    expect(holders['stops-gossiping']).toBe(1);
  });
});

describe('SWIM fixtures (membership-swim)', () => {
  const swim = (suspicionPeriods: number) =>
    params({
      variant: 'membership-swim',
      membership: {
        probePeriod: 2,
        indirectProbes: 1,
        suspicionPeriods,
        retransmitMult: 2,
        pushPullPeriods: 3,
      },
    });

  /** One lockstep round over the nodes `up`: what goes to a node not up, or is `cut`, is lost. */
  async function swimRound(host: GossipEndpoint, up: readonly string[], cut = (_e: Envelope) => false) {
    let batch = await host.tick([...up]);
    for (let hop = 0; hop < 4; hop++) {
      batch = batch.filter((e) => up.includes(e.to) && !cut(e));
      if (batch.length === 0) return;
      batch = await host.deliver(batch);
    }
  }

  /** `member` as each of `nodes` holds it: status@incarnation, or '-'. */
  async function held(host: GossipEndpoint, nodes: string[], member: string): Promise<string[]> {
    return (await host.read(nodes)).map((s) => {
      const m = s.memberView?.find((x) => x.id === member);
      return m ? `${m.status}@${m.incarnation}` : '-';
    });
  }

  /** n3 of 4 pauses for 6 ticks (3 periods), then runs on; did anyone ever hold it dead, and how do all end? */
  async function pause(name: string) {
    const host = name === 'reference' ? new ReferenceHost() : makeBrokenHost(name);
    const ids = await start(host, 4, swim(10));
    const others = ids.slice(0, 3);
    let everDead = false;
    for (let r = 0; r < 60; r++) {
      const paused = r >= 6 && r < 12;
      await swimRound(host, paused ? others : ids);
      if ((await held(host, others, 'n3')).some((h) => h.startsWith('dead'))) everDead = true;
    }
    return { everDead, end: await held(host, others, 'n3') };
  }

  it('swim-no-suspicion and swim-ignores-refutation: a paused member is declared dead', async () => {
    expect(await pause('reference')).toEqual({ everDead: false, end: ['alive@1', 'alive@1', 'alive@1'] });
    expect((await pause('swim-no-suspicion')).everDead).toBe(true);
    expect((await pause('swim-ignores-refutation')).everDead).toBe(true);
  });

  it('swim-incarnation-reversed: the refutation of a suspicion is dropped', async () => {
    const broken = await pause('swim-incarnation-reversed');
    expect(broken.end.some((h) => h !== 'alive@1')).toBe(true);
  });

  it('swim-join-without-exchange: a joiner through a seed is never learnt', async () => {
    const end: Record<string, string[]> = {};
    for (const [label, make] of hosts('swim-join-without-exchange')) {
      const host = make();
      const ids = nodeIds(4);
      const inits = fullMesh(ids.slice(0, 3), 1);
      inits.push({ ...fullMesh(ids, 1)[3], peers: [], seeds: ['n0'] });
      await host.init(inits, swim(10), 'lockstep');
      for (let r = 0; r < 30; r++) await swimRound(host, ids);
      end[label] = await held(host, ids.slice(0, 3), 'n3');
    }
    expect(end.reference).toEqual(['alive@0', 'alive@0', 'alive@0']);
    expect(end['swim-join-without-exchange']).toEqual(['-', '-', '-']);
  });

  it('swim-silent-leave: a clean stop is not listed as left', async () => {
    const end: Record<string, string[]> = {};
    for (const [label, make] of hosts('swim-silent-leave')) {
      const host = make();
      const ids = await start(host, 4, swim(3));
      for (let r = 0; r < 10; r++) await swimRound(host, ids);
      const bye = (await host.stop(['n3'], 'clean')) ?? [];
      const up = ids.slice(0, 3);
      await host.deliver(bye.filter((e) => up.includes(e.to)));
      for (let r = 0; r < 40; r++) await swimRound(host, up);
      end[label] = await held(host, up, 'n3');
    }
    expect(end.reference).toEqual(['left@0', 'left@0', 'left@0']);
    expect(end['swim-silent-leave']).toEqual(['dead@0', 'dead@0', 'dead@0']);
  });

  it('swim-no-anti-entropy: halves that hold each other dead never meet again', async () => {
    const end: Record<string, string[]> = {};
    for (const [label, make] of hosts('swim-no-anti-entropy')) {
      const host = make();
      const ids = await start(host, 4, swim(3));
      const side = (x: string) => (x < 'n2' ? 0 : 1);
      for (let r = 0; r < 10; r++) await swimRound(host, ids);
      for (let r = 0; r < 30; r++) await swimRound(host, ids, (e) => side(e.from) !== side(e.to));
      for (let r = 0; r < 60; r++) await swimRound(host, ids);
      end[label] = await held(host, ['n0'], 'n3');
    }
    expect(end.reference[0]).toMatch(/^alive@/);
    expect(end['swim-no-anti-entropy']).toEqual(['dead@0']);
  });

  /** Halves cut for `cut` rounds after 10 quiet ones, then 60 more: how n0 ends holding n3. */
  async function partitioned(name: string, cut: number) {
    const host = name === 'reference' ? new ReferenceHost() : makeBrokenHost(name);
    const ids = await start(host, 4, swim(3));
    const side = (x: string) => (x < 'n2' ? 0 : 1);
    for (let r = 0; r < 10; r++) await swimRound(host, ids);
    for (let r = 0; r < cut; r++) await swimRound(host, ids, (e) => side(e.from) !== side(e.to));
    for (let r = 0; r < 60; r++) await swimRound(host, ids);
    return (await held(host, ['n0'], 'n3'))[0];
  }

  it('swim-never-rejoins: a partition past the dead timeout never heals; a short one does', async () => {
    expect(await partitioned('reference', 30)).toMatch(/^alive@/);
    expect(await partitioned('swim-never-rejoins', 30)).toBe('dead@0');
    // 2 rounds: shorter than T·S = 6 ticks, nobody is declared dead, suspects refute.
    expect(await partitioned('swim-never-rejoins', 2)).toMatch(/^alive@/);
  });

  it('swim-never-refutes: a paused member stays suspected until it is dead, and dead it stays', async () => {
    const broken = await pause('swim-never-refutes');
    expect(broken.everDead).toBe(true);
    expect(broken.end).toEqual(['dead@0', 'dead@0', 'dead@0']);
  });
});
