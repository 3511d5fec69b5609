import { describe, expect, it } from 'vitest';
import { checkHistory } from './index.js';
import { HistoryBuilder } from './testing/builder.js';
import type { Verdict } from './verdict.js';

const nodes = ['a', 'b', 'c', 'd'];
const values = [1, 2, 3, 4]; // average 2.5, sum 10

function find(vs: Verdict[], id: string): Verdict {
  const v = vs.find((x) => x.id === id);
  if (!v) throw new Error(`no verdict ${id} in ${vs.map((x) => x.id).join(', ')}`);
  return v;
}

/**
 * n = 4, tolerance 2.5e-6, initial error 1.5: bound
 * ceil(4·(2 + log2(1.5/2.5e-6))) + 5 = 90 rounds.
 */
function pushSum(opts: {
  at: number;
  last: number;
  weights?: number[];
  estimates?: number[];
  drop?: boolean;
}) {
  const h = new HistoryBuilder({ nodes, rounds: opts.last, values, params: { variant: 'push-sum' } });
  h.round(1).tick();
  h.send('a', 'b', 'push-sum', [], { drop: opts.drop });
  h.round(opts.at);
  const w = opts.weights ?? [1, 1, 1, 1];
  nodes.forEach((n, i) => {
    const estimate = opts.estimates?.[i] ?? 2.5;
    h.read(n, [], { estimate, weight: w[i], sum: estimate * w[i] });
  });
  h.round(opts.last);
  return checkHistory(h.finish());
}

describe('push-sum', () => {
  it('conserved mass and exact estimates pass', () => {
    const vs = pushSum({ at: 40, last: 100 });
    expect(find(vs, 'pushsum/mass-conservation').verdict).toBe('PASS');
    expect(find(vs, 'pushsum/estimate-within-epsilon').verdict).toBe('PASS');
    const r = find(vs, 'pushsum/rounds-to-epsilon');
    expect(r.verdict).toBe('PASS');
    expect(r.evidence.expected).toContain('= 90');
    expect(vs.some((v) => v.id.startsWith('convergence/'))).toBe(false);
  });

  it('lost weight fails mass conservation', () => {
    const v = find(pushSum({ at: 40, last: 100, weights: [1, 1, 1, 0.5] }), 'pushsum/mass-conservation');
    expect(v.verdict).toBe('FAIL');
    expect(v.evidence.details[0]).toContain('Σ weight = 3.5, expected 4');
  });

  it('mass conservation is not checked when envelopes were dropped', () => {
    const vs = pushSum({ at: 40, last: 100, weights: [1, 1, 1, 0.5], drop: true });
    expect(vs.some((v) => v.id === 'pushsum/mass-conservation')).toBe(false);
  });

  it('an estimate off the average fails', () => {
    const v = find(
      pushSum({ at: 40, last: 100, estimates: [2.5, 2.5, 2.6, 2.5] }),
      'pushsum/estimate-within-epsilon',
    );
    expect(v.verdict).toBe('FAIL');
    expect(v.evidence.details[0]).toMatch(/^c: estimate 2.6, error 0.100000/);
  });

  it('reaching epsilon after the bound fails rounds-to-epsilon', () => {
    const v = find(pushSum({ at: 95, last: 100 }), 'pushsum/rounds-to-epsilon');
    expect(v.verdict).toBe('FAIL');
    expect(v.evidence.observed).toBe('within eps from round 95 on: 95 rounds');
  });

  it('with loss, rounds-to-epsilon is a measurement', () => {
    const v = find(pushSum({ at: 95, last: 100, drop: true }), 'pushsum/rounds-to-epsilon');
    expect(v.verdict).toBe('INCONCLUSIVE');
  });
});
