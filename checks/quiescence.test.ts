import { describe, expect, it } from 'vitest';
import type { SirStatus } from '../proto/contract.js';
import { checkHistory } from './index.js';
import { entry, HistoryBuilder } from './testing/builder.js';
import type { Verdict } from './verdict.js';

const nodes = ['a', 'b', 'c', 'd'];

function find(vs: Verdict[], id: string): Verdict {
  const v = vs.find((x) => x.id === id);
  if (!v) throw new Error(`no verdict ${id} in ${vs.map((x) => x.id).join(', ')}`);
  return v;
}

/**
 * rumor-push, blind-counter k = 2, fanout 1, n = 4: S = ceil(3·2) + 3 = 9,
 * L = ceil(2/1) + 1 = 3, bound 12 rounds after the update in round 1.
 */
function rumor(opts: {
  sendUntil: number;
  last: number;
  status?: SirStatus | null;
  variant?: 'rumor-push' | 'hybrid';
}) {
  const h = new HistoryBuilder({
    nodes,
    rounds: opts.last,
    params: { variant: opts.variant ?? 'rumor-push', lossOfInterest: 'blind-counter', rumorK: 2, fanout: 1 },
  });
  h.round(1).update('a', 'k', 'v1', { counter: 1, origin: 'a' }).tick();
  for (let r = 1; r <= opts.sendUntil; r++) {
    if (r > 1) h.round(r).tick();
    h.send('a', nodes[1 + (r % 3)], 'rumor', ['k']);
    h.send('b', 'a', 'rumor-feedback', []);
  }
  h.round(Math.min(opts.sendUntil + 1, opts.last)).readAll(nodes, [
    entry('k', 'v1', 1, 'a', opts.status === undefined ? 'removed' : opts.status),
  ]);
  h.round(opts.last);
  return checkHistory(h.finish());
}

describe('SIR', () => {
  it('rumor traffic that stops in time passes quiescence', () => {
    const v = find(rumor({ sendUntil: 5, last: 25 }), 'sir/quiescence');
    expect(v.verdict).toBe('PASS');
    expect(v.evidence.expected).toContain('<= 12 rounds');
    expect(v.evidence.expected).toContain('L = ceil(2/1) + 1 = 3');
  });

  it('rumor traffic that goes on too long fails quiescence', () => {
    const v = find(rumor({ sendUntil: 20, last: 25 }), 'sir/quiescence');
    expect(v.verdict).toBe('FAIL');
    expect(v.evidence.observed).toBe('last rumor send in round 20: 19 rounds after round 1');
  });

  it('rumors still travelling when a short run ends are not judged', () => {
    const v = find(rumor({ sendUntil: 6, last: 6 }), 'sir/quiescence');
    expect(v.verdict).toBe('INCONCLUSIVE');
  });

  it('an infective entry at the end fails terminal-status', () => {
    const v = find(rumor({ sendUntil: 5, last: 25, status: 'infective' }), 'sir/terminal-status');
    expect(v.verdict).toBe('FAIL');
    expect(v.evidence.details).toContain('a k v1@a infective');
    expect(find(rumor({ sendUntil: 5, last: 25, status: 'removed' }), 'sir/terminal-status').verdict).toBe(
      'PASS',
    );
  });

  it('reads without statuses make terminal-status UNSUPPORTED', () => {
    const v = find(rumor({ sendUntil: 5, last: 25, status: null }), 'sir/terminal-status');
    expect(v.verdict).toBe('UNSUPPORTED');
  });

  it('residue is reported next to e^-m', () => {
    const v = find(rumor({ sendUntil: 5, last: 25 }), 'sir/residue');
    expect(v.verdict).toBe('INFO');
    // 5 rumor sends carrying k, n = 4, one update: m = 1.25; every node has it: s = 0.
    expect(v.evidence.observed).toBe('mean over 1 keys: s = 0.000, m = 1.25, e^-m = 0.287');
  });

  it('pure rumor mongering does not judge identical state nor give a convergence bound', () => {
    const vs = rumor({ sendUntil: 5, last: 25 });
    expect(vs.some((v) => v.id === 'convergence/within-bound')).toBe(false);
    expect(find(vs, 'convergence/identical-state').verdict).toBe('PASS');
  });

  it('hybrid counts only rumor-kind sends and allows fanout + 1', () => {
    const vs = rumor({ sendUntil: 5, last: 30, variant: 'hybrid' });
    expect(find(vs, 'sir/quiescence').verdict).toBe('PASS');
    expect(find(vs, 'bounds/fanout').verdict).toBe('PASS');
  });
});
