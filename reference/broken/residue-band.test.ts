// The residue band: the lean model agrees with the real hosts, the reference
// stays inside the band, and the counter-never-resets fixture falls out of it.
import { describe, expect, it } from 'vitest';
import { insideBand, residueBand } from '../../harness/checkers/residue-band.js';
import type { GossipEndpoint } from '../../proto/contract.js';
import { ReferenceHost } from '../host.js';
import { fullMesh, nodeIds, params, runRound } from '../testing/drive.js';
import { makeBrokenHost } from './index.js';
import { simulateRumor } from './sim.js';

/** One rumor from one node to quiescence: residue s and rumor envelopes per node m. */
async function spread(host: GossipEndpoint, n: number, k: number, seed: number) {
  const ids = nodeIds(n);
  await host.init(
    fullMesh(ids, seed),
    params({ variant: 'rumor-push', lossOfInterest: 'feedback-counter', rumorK: k, fanout: 1 }),
    'lockstep',
  );
  await host.update([{ node: ids[seed % n], key: 'r', value: 'x' }]);
  let rumors = 0;
  for (let i = 0; i < 200; i++) {
    const sent = (await runRound(host, ids)).sent.filter((e) => e.keys.includes('r')).length;
    if (sent === 0) break;
    rumors += sent;
  }
  const lacking = (await host.read(ids)).filter((s) => !s.entries.some((e) => e.key === 'r')).length;
  return { s: lacking / n, m: rumors / n };
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

describe('residue band (feedback-counter, push)', () => {
  it('the lean model matches the reference host (mean s and m over 60 seeds)', async () => {
    const host: { s: number; m: number }[] = [];
    const sim: { s: number; m: number }[] = [];
    for (let seed = 0; seed < 60; seed++) {
      host.push(await spread(new ReferenceHost(), 128, 2, seed));
      const r = simulateRumor(128, 2, 1, true, seed);
      sim.push({ s: r.residue, m: r.traffic });
    }
    expect(Math.abs(mean(host.map((x) => x.m)) - mean(sim.map((x) => x.m)))).toBeLessThan(0.08);
    expect(Math.abs(mean(host.map((x) => x.s)) - mean(sim.map((x) => x.s)))).toBeLessThan(0.012);
  });

  it('Demers Table 1 row: the reference is inside, counter-never-resets is not (n = 256, k = 4)', async () => {
    const band = residueBand(
      { variant: 'rumor-push', lossOfInterest: 'feedback-counter', rumorK: 4, fanout: 1 },
      256,
    )!;
    for (let seed = 1; seed <= 5; seed++) {
      const ref = await spread(new ReferenceHost(), 256, 4, seed);
      const bug = await spread(makeBrokenHost('counter-never-resets'), 256, 4, seed);
      expect(insideBand(band, ref.s, ref.m), `reference seed ${seed}: ${JSON.stringify(ref)}`).toBe(true);
      expect(insideBand(band, bug.s, bug.m), `fixture seed ${seed}: ${JSON.stringify(bug)}`).toBe(false);
      expect(bug.m).toBeLessThan(band.mMin);
    }
  });

  it('the reference passes the band at >= 99.9% of 2000 modelled seeds (n = 64, k = 2)', () => {
    const band = residueBand(
      { variant: 'rumor-push', lossOfInterest: 'feedback-counter', rumorK: 2, fanout: 1 },
      64,
    )!;
    let out = 0;
    for (let seed = 0; seed < 2000; seed++) {
      const r = simulateRumor(64, 2, 1, true, seed);
      if (!insideBand(band, r.residue, r.traffic)) out++;
    }
    expect(out).toBeLessThanOrEqual(2);
  });

  it('has no band where no table applies', () => {
    const p = { variant: 'rumor-push', lossOfInterest: 'feedback-counter', rumorK: 2, fanout: 1 } as const;
    expect(residueBand({ ...p, lossOfInterest: 'blind-coin' }, 64)).toBeUndefined();
    expect(residueBand({ ...p, variant: 'rumor-pull' }, 64)).toBeUndefined();
    expect(residueBand({ ...p, fanout: 4 }, 64)).toBeUndefined();
    expect(residueBand({ ...p, rumorK: 6 }, 64)).toBeUndefined();
    expect(residueBand(p, 64)?.formula).toContain('fanout 1, k 2');
  });
});
