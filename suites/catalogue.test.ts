import { describe, expect, it } from 'vitest';
import { BUDGET_IDS, CATALOGUE, findEntry, idsIn, noMatch } from './catalogue.js';
import { MAELSTROM_SCENARIOS } from './maelstrom.js';
import { ALL_CASES } from './registry.js';

describe('the catalogue', () => {
  it('holds every id once, every lockstep case among them', () => {
    const ids = CATALOGUE.map((e) => e.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(idsIn('lockstep')).toEqual(ALL_CASES.map((c) => c.id));
  });

  it('gives each case its modes: lockstep only, shared with realtime, realtime only, Maelstrom', () => {
    expect(findEntry('convergence/no-faults')?.modes).toEqual(['lockstep']);
    expect(findEntry('contract/payload-size')?.modes).toEqual(['lockstep', 'realtime', 'maelstrom']);
    expect(findEntry('membership/partition-heal')?.modes).toEqual(['lockstep', 'realtime']);
    expect(findEntry('run/completed')?.modes).toEqual(['realtime', 'maelstrom']);
    // A Maelstrom node declares no period: no bound to be within.
    expect(findEntry('convergence/within-bound')?.modes).toEqual(['realtime']);
    expect(findEntry('maelstrom/protocol')?.modes).toEqual(['maelstrom']);
    for (const id of BUDGET_IDS) expect(findEntry(id)?.modes).toEqual(['maelstrom']);
  });

  it('has a convergence case for every Maelstrom scenario, local and in containers', () => {
    for (const s of MAELSTROM_SCENARIOS)
      expect(idsIn('maelstrom')).toContain(`maelstrom/convergence/${s.name}`);
    expect(idsIn('maelstrom')).toContain('maelstrom/convergence/chaos');
  });

  it('says which modes a selection matches when it matches none of the asked one', () => {
    expect(noMatch('lockstep', ['convergence'])).toBeNull();
    expect(noMatch('lockstep', ['maelstrom/protocol'])).toMatch(/matches maelstrom cases only/);
    expect(noMatch('maelstrom', ['convergence/within-bound'])).toMatch(/matches realtime cases only/);
    expect(noMatch('maelstrom', ['nope'])).toBe('no case matches --case nope (see gossipcheck list)');
  });
});
