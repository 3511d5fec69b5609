import { describe, expect, it } from 'vitest';
import { Rng } from '../shared/prng.js';
import { RUN_SCENARIOS } from './maelstrom.js';
import { judgeGenerated } from './maelstrom-generated.js';
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

describe('the heal-in-quiet scenarios', () => {
  it('are selected by their prefix, and their faults last the whole workload (healed after the last operation)', () => {
    expect(names(['maelstrom/convergence/heal-in-quiet'])).toEqual([
      'heal-in-quiet/halves',
      'heal-in-quiet/one-way',
      'heal-in-quiet/loss',
    ]);
    const nodes = ['n0', 'n1', 'n2', 'n3'];
    for (const s of RUN_SCENARIOS) {
      const { faults } = s.faults(nodes, 5000, new Rng(1));
      const quiet = s.name.startsWith('heal-in-quiet/');
      // The others heal while writes go on (at 70 %); these only once the workload is over.
      for (const w of faults) expect(w.until >= 5000).toBe(quiet);
    }
  });
});

describe('a Maelstrom run whose harness stalled', () => {
  const run = (totalMs: number) => ({
    events: [],
    startupFailure: 'the node never answered init',
    lag: { maxMs: totalMs / 10, totalMs, samples: 100 },
  });

  it('keeps a FAIL within the stall allowance and makes it INCONCLUSIVE past it, saying why', () => {
    expect(judgeGenerated(run(0)).verdict).toBe('FAIL');
    const stalled = judgeGenerated(run(9000));
    expect(stalled.verdict).toBe('INCONCLUSIVE');
    expect(stalled.evidence.observed).toMatch(/harness event-loop stalls .* of 9000 ms in all/);
  });
});
