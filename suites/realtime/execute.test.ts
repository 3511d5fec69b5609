import { describe, expect, it } from 'vitest';
import { IDENTICAL_STATE, WITHIN_BOUND } from '../../checks/convergence.js';
import { verdictOf } from '../../checks/verdict.js';
import { discountLag, LAG_ALLOWANCE_MS } from './execute.js';

const failed = (info: typeof WITHIN_BOUND) =>
  verdictOf(info, false, { expected: 'x', observed: 'converged too late', details: [] }, 3);

describe('discountLag', () => {
  it('a timing FAIL in a run the harness stalled past its allowance is not judged, never FAIL', () => {
    const lag = { maxMs: 900, totalMs: LAG_ALLOWANCE_MS + 1, samples: 100, p99Ms: 0 };
    const [timing, timeFree] = discountLag([failed(WITHIN_BOUND), failed(IDENTICAL_STATE)], lag);
    expect(timing.verdict).toBe('INCONCLUSIVE');
    expect(timing.judged).toBe(0);
    expect(timing.evidence.observed).toMatch(/event-loop stalls/);
    expect(timing.evidence.details[0]).toMatch(/converged too late/);
    // Identical state reads no time: a stalled harness cannot have caused it.
    expect(timeFree.verdict).toBe('FAIL');
  });

  it('within the allowance a FAIL stays a FAIL', () => {
    const lag = { maxMs: 10, totalMs: LAG_ALLOWANCE_MS, samples: 100, p99Ms: 0 };
    expect(discountLag([failed(WITHIN_BOUND)], lag)[0].verdict).toBe('FAIL');
  });
});
