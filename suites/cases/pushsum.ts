// pushsum/…: mass conservation and convergence of the estimate.
import { ESTIMATE_WITHIN_EPSILON, MASS_CONSERVATION, ROUNDS_TO_EPSILON } from '../../checks/pushsum.js';
import { delayArb, reorderArb, scheduleArb } from '../generators/faults.js';
import type { CaseDef, ScenarioInput } from '../model.js';
import { scenarioCase } from './scenario-case.js';

export const PUSHSUM_CASES: CaseDef<ScenarioInput>[] = [
  scenarioCase({
    id: 'pushsum/mass-conservation',
    requirement:
      'Without loss, push-sum conserves mass: the weights sum to n and the sums to the sum of the initial values, also when envelopes are delayed and reordered.',
    level: 'MUST',
    source: 'Kempe, Dobra, Gehrke 2003 §2 (mass conservation); tolerance 1e-9 relative for floating point',
    variants: ['push-sum'],
    checks: [MASS_CONSERVATION],
    faults: () => scheduleArb([delayArb, reorderArb], 2),
  }),
  scenarioCase({
    id: 'pushsum/epsilon-rounds',
    requirement:
      'Every estimate comes within epsilon = 1e-6 of the true average within C·(log2 n + log2(1/epsilon)) + D rounds.',
    level: 'MUST',
    source:
      'Kempe, Dobra, Gehrke 2003, Thm 3.1: O(log n + log 1/eps + log 1/delta) rounds; C = 4, D = 5 (checks/bounds.ts)',
    variants: ['push-sum'],
    checks: [ESTIMATE_WITHIN_EPSILON, ROUNDS_TO_EPSILON],
  }),
];
