// The theory behind sir/residue-band and sir/loss-of-interest-rule: the values
// match Demers et al. 1987, the quantiles are the distributions', and the
// checks judge hand-built histories as the rule says.
import { describe, expect, it } from 'vitest';
import type { LossOfInterest } from '../proto/contract.js';
import { buildView } from './index.js';
import { checkLossOfInterestRule, checkResidueBand, longestRunAtStop } from './residue-band.js';
import {
  counterOde,
  countQuantile,
  DEMERS_TABLE_1,
  geometricSumQuantile,
  residueBound,
  residueRoot,
  theoryPoint,
  trafficBound,
} from './residue-theory.js';
import { entry, HistoryBuilder } from './testing/builder.js';

describe('theory values', () => {
  it('blind + coin: the ODE root s = e^(-k(1-s)) matches Demers Table 2 (n = 1000) for k = 2..5', () => {
    const table2 = [0.205, 0.06, 0.021, 0.008];
    for (let k = 2; k <= 5; k++) expect(residueRoot(k)).toBeCloseTo(table2[k - 2], 2);
    expect(residueRoot(1)).toBe(1);
  });

  it('feedback + coin: s = e^(-(k+1)(1-s)), about 20% at k = 1 and 6% at k = 2 (the paper)', () => {
    expect(theoryPoint('feedback-coin', 1)!.s).toBeCloseTo(0.203, 3);
    expect(theoryPoint('feedback-coin', 2)!.s).toBeCloseTo(0.0595, 3);
  });

  it('feedback + counter: the k-stage ODE at k = 1 is the coin rule at k = 1; the bound takes the larger of ODE and Table 1', () => {
    expect(counterOde(1).s).toBeCloseTo(residueRoot(2), 4);
    for (let k = 1; k <= 5; k++) {
      const t = theoryPoint('feedback-counter', k)!;
      expect(t.s).toBeCloseTo(Math.max(DEMERS_TABLE_1[k - 1][0], counterOde(k).s), 9);
      // s = e^-m for push.
      expect(Math.exp(-t.m)).toBeCloseTo(t.s, t.s === DEMERS_TABLE_1[k - 1][0] ? 1 : 6);
    }
    expect(theoryPoint('feedback-counter', 6)).toBeUndefined();
  });

  it('blind + counter shares the blind coin root: k contacts per informed site, m = k(1-s)', () => {
    const t = theoryPoint('blind-counter', 3)!;
    expect(t.s).toBe(residueRoot(3));
    expect(t.m).toBeCloseTo(3 * (1 - t.s), 9);
    expect(t.varX).toBe(0);
  });
});

describe('quantiles', () => {
  it('Poisson and negative binomial tails', () => {
    expect(countQuantile(0, 0)).toBe(0);
    // Poisson(2): P(X > 4) = 0.053, P(X > 5) = 0.017.
    expect(countQuantile(2, 2, 0.05)).toBe(5);
    // Over-dispersion only widens the quantile.
    expect(countQuantile(2, 6, 0.05)).toBeGreaterThan(5);
  });

  it('sums of geometric counts', () => {
    // One geometric(1/2): P(G > x) = 2^-x.
    expect(geometricSumQuantile(1, 0.5, 0.25)).toBe(2);
    expect(geometricSumQuantile(7, 1)).toBe(7);
    expect(geometricSumQuantile(100, 0.25)).toBeGreaterThan(400);
  });

  it('the residue bound is at most n, and 1 for a critical epidemic', () => {
    expect(residueBound(theoryPoint('blind-coin', 1)!, 256).sMax).toBe(1);
    const b = residueBound(theoryPoint('feedback-counter', 4)!, 256);
    expect(b.lackingMax).toBeGreaterThan(256 * 0.0045);
    expect(b.lackingMax).toBeLessThan(12);
  });
});

describe('traffic allowed by the rule', () => {
  const trace = { key: 'r', informed: 100, necessary: 120, total: 0 };
  it('blind counter: f·ceil(k/f) contacts per informed site', () => {
    expect(trafficBound('blind-counter', 3, 2, trace).max).toBe(400);
  });
  it('feedback counter: fewer than k unnecessary in a row between necessary contacts, plus the last round', () => {
    expect(trafficBound('feedback-counter', 2, 1, trace).max).toBe(120 + 120 + 200);
  });
  it('coin rules: a geometric(1/k) count per site, plus the rest of the last round', () => {
    const blind = trafficBound('blind-coin', 2, 1, trace).max;
    expect(blind).toBeGreaterThan(200);
    expect(trafficBound('feedback-coin', 2, 3, trace).max).toBe(120 + blind + 200);
  });
});

describe('longestRunAtStop', () => {
  it('earlier rounds necessary-first, the last round unnecessary-first', () => {
    const rounds = (...rs: [number, number][]) => new Map(rs.map((r, i) => [i + 1, r]));
    expect(longestRunAtStop(rounds([1, 0], [1, 1], [1, 0], [1, 1]))).toBe(1);
    expect(longestRunAtStop(rounds([1, 1], [1, 1]))).toBe(2);
    expect(longestRunAtStop(rounds([2, 1], [2, 2], [3, 1]))).toBe(4);
    expect(longestRunAtStop(new Map())).toBe(0);
  });
});

const nodes = ['a', 'b', 'c', 'd'];

/** a writes k in round 1 and pushes to `targets` (one per round from round 2); b, c, d each push twice to a. */
function pushHistory(rule: LossOfInterest, k: number, targets: string[], last = 12) {
  const h = new HistoryBuilder({
    nodes,
    rounds: last,
    params: { variant: 'rumor-push', lossOfInterest: rule, rumorK: k, fanout: 1 },
  });
  h.round(1).tick().update('a', 'k', 'v', { counter: 1, origin: 'a' });
  let r = 2;
  const heard = new Map<string, number>();
  for (const t of targets) {
    h.round(r).tick();
    h.send('a', t, 'rumor', ['k']);
    if (!heard.has(t)) heard.set(t, r);
    r++;
  }
  for (const [node, at] of heard) {
    h.round(at + 1);
    h.send(node, 'a', 'rumor', ['k']);
    h.round(at + 2);
    h.send(node, 'a', 'rumor', ['k']);
  }
  h.round(last).readAll(nodes, [entry('k', 'v', 1, 'a', 'removed')]);
  return buildView(h.finish());
}

describe('checkLossOfInterestRule', () => {
  it('feedback counter: a necessary contact resets the count', () => {
    // b (necessary), b (unnecessary), c (necessary), b, b (unnecessary), stop: 2 in a row = k.
    const reset = checkLossOfInterestRule(pushHistory('feedback-counter', 2, ['b', 'b', 'c', 'b', 'b']));
    expect(reset.verdict).toBe('PASS');
    // b (necessary), b (unnecessary), c (necessary), b (unnecessary), stop: 1 in a row < k = 2.
    const bad = checkLossOfInterestRule(pushHistory('feedback-counter', 2, ['b', 'b', 'c', 'b']));
    expect(bad.verdict).toBe('FAIL');
    expect(bad.evidence.details.join('\n')).toMatch(/^a k: last push in round 5, at most 1 unnecessary/);
    const ok = checkLossOfInterestRule(pushHistory('feedback-counter', 2, ['b', 'c', 'd', 'b', 'c']));
    expect(ok.verdict).toBe('PASS');
    expect(ok.judged).toBe(4);
  });

  it('blind counter: k contacts; coin rules: one contact, an unnecessary one with feedback', () => {
    expect(checkLossOfInterestRule(pushHistory('blind-counter', 3, ['b', 'c'])).verdict).toBe('FAIL');
    expect(checkLossOfInterestRule(pushHistory('blind-counter', 2, ['b', 'c'])).verdict).toBe('PASS');
    expect(checkLossOfInterestRule(pushHistory('feedback-coin', 3, ['b', 'c', 'd'])).verdict).toBe('FAIL');
    expect(checkLossOfInterestRule(pushHistory('feedback-coin', 3, ['b', 'c', 'd', 'c'])).verdict).toBe(
      'PASS',
    );
    expect(checkLossOfInterestRule(pushHistory('blind-coin', 3, ['b', 'c', 'd'])).verdict).toBe('PASS');
  });

  it('judges nothing while every site still pushes at the end', () => {
    const h = new HistoryBuilder({
      nodes: ['a', 'b'],
      params: { variant: 'rumor-push', lossOfInterest: 'feedback-counter', rumorK: 2, fanout: 1 },
    });
    h.round(1).tick().update('a', 'k', 'v', { counter: 1, origin: 'a' });
    for (let r = 2; r <= 4; r++) {
      h.round(r).tick();
      h.send('a', 'b', 'rumor', ['k']);
      if (r > 2) h.send('b', 'a', 'rumor', ['k']);
    }
    h.readAll(['a', 'b'], [entry('k', 'v', 1, 'a', 'infective')]);
    const v = checkLossOfInterestRule(buildView(h.finish()));
    expect(v.judged).toBe(0);
    expect(v.verdict).toBe('INCONCLUSIVE');
  });
});

describe('checkResidueBand', () => {
  it('less traffic with as small a residue passes: 15 direct contacts reach all 16 sites (m = 0.94)', () => {
    const ids = Array.from({ length: 16 }, (_, i) => `n${i}`);
    const h = new HistoryBuilder({
      nodes: ids,
      params: { variant: 'rumor-push', lossOfInterest: 'feedback-counter', rumorK: 2, fanout: 1 },
    });
    h.round(1).tick().update('n0', 'k', 'v', { counter: 1, origin: 'n0' });
    h.round(2).tick();
    for (const t of ids.slice(1)) h.send('n0', t, 'rumor', ['k']);
    h.round(3).readAll(ids, [entry('k', 'v', 1, 'n0', 'removed')]);
    const v = checkResidueBand(buildView(h.finish()));
    expect(v.verdict).toBe('PASS');
    expect(v.evidence.details[0]).toMatch(/s = 0.0000 \(0 lacking\)/);
  });

  it('fails a residue far above theory, and leaves a minor outbreak unjudged', () => {
    const ids = Array.from({ length: 64 }, (_, i) => `n${i}`);
    const run = (reached: number) => {
      const h = new HistoryBuilder({
        nodes: ids,
        params: { variant: 'rumor-push', lossOfInterest: 'feedback-counter', rumorK: 2, fanout: 1 },
      });
      h.round(1).tick().update('n0', 'k', 'v', { counter: 1, origin: 'n0' });
      h.round(2).tick();
      for (const t of ids.slice(1, reached)) h.send('n0', t, 'rumor', ['k']);
      h.round(3).readAll(ids.slice(0, reached), [entry('k', 'v', 1, 'n0', 'removed')]);
      return checkResidueBand(buildView(h.finish()));
    };
    const half = run(32);
    expect(half.verdict).toBe('FAIL');
    expect(half.judged).toBe(1);
    const minor = run(3);
    expect(minor.judged).toBe(0);
    expect(minor.evidence.details[0]).toMatch(/minor outbreak/);
  });
});
