// sir/residue-band against real lockstep runs: the lean model agrees with the
// reference host, the reference passes for every rule under both readings of
// "unnecessary contact", and counter-never-resets, invisible to theory's
// residue bound, breaks the rule check.
import { describe, expect, it } from 'vitest';
import { LOSS_OF_INTEREST_RULE, RESIDUE_BAND } from '../../checks/residue-band.js';
import { minorOutbreak, residueBound, theoryPoint, trafficBound } from '../../checks/residue-theory.js';
import type { GossipEndpoint, LossOfInterest } from '../../proto/contract.js';
import { SIR_CASES } from '../../suites/cases/sir.js';
import type { CaseContext, ScenarioInput } from '../../suites/model.js';
import { ReferenceHost } from '../host.js';
import { fullMesh, nodeIds, params, runRound } from '../testing/drive.js';
import { makeBrokenHost } from './index.js';
import { type Reading, simulateRumor } from './sim.js';

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

/** Runs the suite case sir/residue-band/<rule> on one input against `host`. */
async function runCase(
  host: GossipEndpoint,
  rule: LossOfInterest,
  rumorK: number,
  fanout: number,
  seed: number,
) {
  const def = SIR_CASES.find((c) => c.id === `sir/residue-band/${rule}`)!;
  const init = await host.init(fullMesh(nodeIds(2), 1), params({ variant: 'rumor-push' }), 'lockstep');
  const ctx: CaseContext = {
    endpoint: host,
    capabilities: init.capabilities,
    callTimeoutMs: 5000,
    minRounds: 0,
  };
  const input: ScenarioInput = {
    n: 256,
    fanout,
    rumorK,
    lossOfInterest: rule,
    antiEntropyEvery: 1,
    seed,
    writes: [{ round: 1, node: seed % 256, key: 'a', value: 'v0' }],
    faults: [],
    values: [0],
  };
  const out = await def.check(input, 'rumor-push', ctx);
  const of = (id: string) => out.checks.find((c) => c.id === id)!;
  return { verdict: out.verdict, band: of(RESIDUE_BAND.id), rule: of(LOSS_OF_INTEREST_RULE.id) };
}

describe('residue band', () => {
  it('the lean model matches the reference host (mean s and m over 60 seeds)', async () => {
    const host: { s: number; m: number }[] = [];
    const sim: { s: number; m: number }[] = [];
    for (let seed = 0; seed < 60; seed++) {
      host.push(await spread(new ReferenceHost(), 128, 2, seed));
      const r = simulateRumor({ n: 128, k: 2, fanout: 1, seed });
      sim.push({ s: r.residue, m: r.traffic });
    }
    expect(Math.abs(mean(host.map((x) => x.m)) - mean(sim.map((x) => x.m)))).toBeLessThan(0.08);
    expect(Math.abs(mean(host.map((x) => x.s)) - mean(sim.map((x) => x.s)))).toBeLessThan(0.012);
  });

  it('the reference passes every rule (k = 2 and 4, fanout 1 and 3) on real runs', async () => {
    for (const rule of ['feedback-counter', 'feedback-coin', 'blind-counter', 'blind-coin'] as const) {
      for (const [k, f] of [
        [2, 1],
        [4, 3],
      ]) {
        const r = await runCase(new ReferenceHost(), rule, k, f, 7);
        expect(
          r.verdict,
          `${rule} k=${k} f=${f}: ${JSON.stringify([r.band.evidence, r.rule.evidence])}`,
        ).toBe('PASS');
        expect(r.rule.judged).toBeGreaterThan(100);
      }
    }
  }, 60_000);

  it('counter-never-resets: the rule check catches it (k = 2..4), residue alone cannot', async () => {
    for (const k of [2, 3, 4]) {
      const r = await runCase(makeBrokenHost('counter-never-resets'), 'feedback-counter', k, 1, 3);
      expect(r.rule.verdict, JSON.stringify(r.rule.evidence)).toBe('FAIL');
      expect(r.rule.evidence.details[0]).toMatch(/unnecessary contacts in a row before it stopped/);
      expect(r.verdict).toBe('FAIL');
    }
  }, 60_000);

  it('both readings of "unnecessary" stay within the theory bounds (modelled, 1000 seeds per rule, n = 256)', () => {
    const n = 256;
    for (const rule of ['feedback-counter', 'feedback-coin', 'blind-counter', 'blind-coin'] as const) {
      for (const reading of ['round-start', 'arrival'] as Reading[]) {
        const t = theoryPoint(rule, 2)!;
        const sb = residueBound(t, n);
        let out = 0;
        for (let seed = 0; seed < 1000; seed++) {
          const r = simulateRumor({ n, k: 2, fanout: 1, rule, reading, seed });
          const lacking = Math.round(r.residue * n);
          const tb = trafficBound(rule, 2, 1, {
            key: 'r',
            informed: r.informed,
            necessary: r.necessary,
            total: r.contacts,
          });
          if ((!minorOutbreak(r.informed, n) && lacking > sb.lackingMax) || r.contacts > tb.max) out++;
        }
        expect(out, `${rule} ${reading}`).toBeLessThanOrEqual(1);
      }
    }
  });

  it('the arrival reading sends less than the reference and still passes: less traffic is never a failure', () => {
    let ref = 0;
    let arrival = 0;
    for (let seed = 0; seed < 200; seed++) {
      ref += simulateRumor({ n: 256, k: 2, fanout: 1, seed }).traffic;
      arrival += simulateRumor({ n: 256, k: 2, fanout: 1, reading: 'arrival', seed }).traffic;
    }
    expect(arrival).toBeLessThan(ref * 0.97);
  });
});
