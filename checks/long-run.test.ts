// convergence/each-write-within-bound on hand-built histories: each write is
// held to its own window, pushed by the disturbances that overlap it.
import { describe, expect, it } from 'vitest';
import { buildView } from './index.js';
import { checkEachWriteWithinBound, disturbances, windowEnd } from './long-run.js';
import { entry, HistoryBuilder } from './testing/builder.js';

const nodes = ['a', 'b', 'c'];
// anti-entropy-push-pull, n = 3: B = ceil(3·log2 3) + 3 = 8.
const B = 8;

/** a writes k in round 10; b holds it from round 11, c from `cAt`. */
function history(cAt: number, opts: { last?: number; partition?: [number, number]; crashA?: number } = {}) {
  const h = new HistoryBuilder({ nodes, params: { variant: 'anti-entropy-push-pull' } });
  const e = entry('k', 'v', 1, 'a');
  const last = opts.last ?? 60;
  for (let r = 1; r <= last; r++) {
    h.round(r).tick();
    if (opts.partition?.[0] === r)
      h.fault('start', { kind: 'partition', shape: 'isolate', groups: [['c'], ['a', 'b']] });
    if (opts.partition?.[1] === r)
      h.fault('stop', { kind: 'partition', shape: 'isolate', groups: [['c'], ['a', 'b']] });
    if (r === 10) h.update('a', 'k', 'v', { counter: 1, origin: 'a' }).read('a', [e]);
    if (opts.crashA === r) h.crash('a');
    if (r === 11 && opts.crashA === undefined) h.read('b', [e]);
    if (r === cAt) h.read('c', [e]);
  }
  return buildView(h.finish());
}

describe('windowEnd', () => {
  it('r + B, pushed by every overlapping disturbance to its end + B', () => {
    expect(windowEnd(10, B, [])).toEqual({ end: 18, by: undefined });
    const spans = [
      { from: 15, until: 20, what: 'x' },
      { from: 27, until: 30, what: 'y' },
      { from: 50, until: 51, what: 'z' },
    ];
    expect(windowEnd(10, B, spans).end).toBe(38);
    expect(windowEnd(10, B, spans).by?.what).toBe('y');
    expect(windowEnd(40, B, [{ from: 1, until: Number.POSITIVE_INFINITY, what: 'w' }]).end).toBe(
      Number.POSITIVE_INFINITY,
    );
  });
});

describe('checkEachWriteWithinBound', () => {
  it('passes a write everywhere within B', () => {
    const v = checkEachWriteWithinBound(history(14));
    expect(v.verdict).toBe('PASS');
    expect(v.judged).toBe(1);
  });

  it('fails a write that arrives late, though the run ends converged', () => {
    const view = history(40);
    expect(view.convergedSince).toBeLessThanOrEqual(40);
    const v = checkEachWriteWithinBound(view);
    expect(v.verdict).toBe('FAIL');
    expect(v.evidence.details[0]).toMatch(
      /^k v1@a written at a in round 10: 1 node\(s\) lack it at round 18 .*: c$/,
    );
  });

  it('a partition overlapping the window restarts the bound at its heal', () => {
    const view = history(35, { partition: [12, 30] });
    expect(disturbances(view).map((s) => [s.from, s.until])).toEqual([[12, 30]]);
    expect(checkEachWriteWithinBound(view).verdict).toBe('PASS');
    expect(checkEachWriteWithinBound(history(39, { partition: [12, 30] })).verdict).toBe('FAIL');
  });

  it('does not judge a write whose window ends after the run, or lost with its only holder', () => {
    const late = checkEachWriteWithinBound(history(14, { last: 15 }));
    expect(late.verdict).toBe('INCONCLUSIVE');
    expect(late.evidence.details[0]).toMatch(/window ends at round 18, after the run/);
    const lost = checkEachWriteWithinBound(history(99, { crashA: 11 }));
    expect(lost.judged).toBe(0);
    expect(lost.evidence.details[0]).toMatch(/lost with its only holder/);
  });
});
