import * as fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Capabilities } from '../proto/contract.js';
import { unsupportedReason } from './property.js';
import { ALL_CASES, matchesPrefix, SUITE_NAMES, selected } from './registry.js';

describe('case selection', () => {
  it('selects a whole id or a whole path segment, never part of a segment', () => {
    expect(matchesPrefix('convergence/no-faults', ['convergence'])).toBe(true);
    expect(matchesPrefix('convergence/no-faults', ['convergence/'])).toBe(true);
    expect(matchesPrefix('convergence/no-faults', ['convergence/no-faults'])).toBe(true);
    expect(matchesPrefix('convergence/no-faults', ['convergence/no'])).toBe(false);
    expect(matchesPrefix('convergence/no-faults', ['conv'])).toBe(false);
    expect(matchesPrefix('convergence/no-faults', [])).toBe(true);
  });

  it('needs the suite and one of the prefixes', () => {
    expect(selected('sir/termination', ['sir'], [])).toBe(true);
    expect(selected('sir/termination', ['bounds'], [])).toBe(false);
    expect(selected('sir/termination', [], ['bounds', 'sir/termination'])).toBe(true);
  });

  it('every case id is unique and starts with its suite', () => {
    const ids = ALL_CASES.map((c) => c.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(SUITE_NAMES).toContain(id.split('/')[0]);
  });
});

describe('a cluster too small for a case', () => {
  const ring = ALL_CASES.find((c) => c.id === 'convergence/after-partition/ring')!;
  const caps: Capabilities = {
    variants: ['anti-entropy-push-pull'],
    lossOfInterest: [],
    lockstep: true,
    realtime: false,
    rumorStatus: false,
    pushSum: false,
    membership: false,
    durableRestart: false,
  };

  it('a ring partition needs 4 nodes: UNSUPPORTED below, with the reason; drawn from 4 up', () => {
    expect(unsupportedReason(ring, 'anti-entropy-push-pull', caps, 3)).toMatch(
      /at least 4 nodes.*--nodes is 3/,
    );
    expect(unsupportedReason(ring, 'anti-entropy-push-pull', caps, 4)).toBeNull();
    const halves = ALL_CASES.find((c) => c.id === 'convergence/after-partition/halves')!;
    expect(unsupportedReason(halves, 'anti-entropy-push-pull', caps, 3)).toBeNull();
    const inputs = fc.sample(
      ring.arbitrary('anti-entropy-push-pull', { capabilities: caps, minNodes: 3, maxNodes: 6 }),
      { seed: 1, numRuns: 50 },
    ) as { n: number }[];
    expect(Math.min(...inputs.map((i) => i.n))).toBeGreaterThanOrEqual(4);
  });
});
