import { describe, expect, it } from 'vitest';
import { RUN_SCENARIOS } from './maelstrom.js';
import { planMaelstrom } from './maelstrom-results.js';

const names = (cases: string[]) => {
  const p = planMaelstrom(RUN_SCENARIOS, cases);
  return typeof p === 'string' ? p : p.scenarios.map((s) => s.name);
};

describe('planMaelstrom: the scenarios a --case selection needs', () => {
  it('runs a scenario for its convergence case, the budgets on no-faults, all for a shared case', () => {
    expect(names(['maelstrom/convergence/after-partition'])).toEqual([
      'after-partition/halves',
      'after-partition/one-way',
    ]);
    expect(names(['maelstrom/budget'])).toEqual(['no-faults']);
    expect(names(['run/completed'])).toEqual(RUN_SCENARIOS.map((s) => s.name));
    expect(names([])).toEqual(RUN_SCENARIOS.map((s) => s.name));
  });

  it('runs the first scenario alone for maelstrom/protocol, none for lockstep cases (UNSUPPORTED)', () => {
    expect(names(['maelstrom/protocol'])).toEqual(['no-faults']);
    const p = planMaelstrom(RUN_SCENARIOS, ['sir']);
    expect(typeof p !== 'string' && p.scenarios).toEqual([]);
    expect(typeof p !== 'string' && p.lockstep.map((c) => c.id)).toContain('sir/termination');
  });

  it('says what matches when nothing of a Maelstrom run does', () => {
    expect(names(['maelstrom/convergence/chaos'])).toMatch(/no maelstrom case|no case/);
    expect(names(['bogus'])).toBe('no case matches --case bogus (see gossipcheck list)');
  });
});
