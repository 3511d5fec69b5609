import { describe, expect, it } from 'vitest';
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
