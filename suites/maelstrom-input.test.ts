import * as fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  focusMaelstrom,
  MAELSTROM_FAMILIES,
  maelstromInput,
  materializeMaelstrom,
  validateMaelstromInput,
} from './maelstrom-input.js';

describe('generated Maelstrom inputs', () => {
  it('a window that heals in quiet lasts the workload; the others heal inside it', () => {
    fc.assert(
      fc.property(maelstromInput(5), fc.nat({ max: MAELSTROM_FAMILIES.length - 1 }), (g, family) => {
        const input = focusMaelstrom(g, family);
        expect(validateMaelstromInput(input)).toBeNull();
        expect(input.nodes).toBeGreaterThanOrEqual(3);
        expect(input.nodes).toBeLessThanOrEqual(5);
        const m = materializeMaelstrom(input, { durationMs: 4000, seed: 1 });
        expect(m.nodes).toHaveLength(input.nodes);
        m.faults.forEach((w, i) => {
          expect(w.from).toBeGreaterThanOrEqual(200);
          if (input.faults[i].quiet) expect(w.until).toBe(4000);
          else expect(w.until).toBeLessThanOrEqual(4000);
          expect(w.until).toBeGreaterThan(w.from);
        });
      }),
    );
  });

  it('family i holds its one fault (quiet for the -quiet families); mixed holds one to three', () => {
    const g = fc.sample(maelstromInput(4), { seed: 7, numRuns: 1 })[0];
    MAELSTROM_FAMILIES.forEach((name, i) => {
      const { faults } = focusMaelstrom(g, i);
      if (name === 'mixed') expect(faults.length).toBeGreaterThanOrEqual(1);
      else {
        expect(faults).toHaveLength(1);
        expect(name.startsWith(faults[0].kind)).toBe(true);
        if (name.endsWith('-quiet')) expect(faults[0].quiet).toBe(true);
      }
    });
  });

  it('the same input and seed give the same partition groups', () => {
    const input = {
      nodes: 5,
      faults: [
        {
          kind: 'partition' as const,
          shape: 'halves' as const,
          pick: 3,
          start: 10,
          length: 20,
          quiet: false,
        },
      ],
    };
    const a = materializeMaelstrom(input, { durationMs: 1000, seed: 9 });
    expect(materializeMaelstrom(input, { durationMs: 1000, seed: 9 })).toEqual(a);
    expect(a.faults[0]).toMatchObject({ from: 100, until: 300 });
  });

  it('a hand-edited input is refused with the reason', () => {
    expect(
      validateMaelstromInput({ nodes: 3, faults: [{ kind: 'crash', start: 1, length: 1, quiet: false }] }),
    ).toMatch(/unknown fault/);
    expect(validateMaelstromInput({ nodes: 3, faults: [{ kind: 'loss', start: 1, length: 1 }] })).toMatch(
      /quiet/,
    );
    expect(validateMaelstromInput({ nodes: 0, faults: [] })).toMatch(/nodes/);
  });
});
