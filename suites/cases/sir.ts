// sir/…: rumor mongering terminates: every node ends susceptible or removed,
// and no envelope carries a rumor after quiescence, within the bound.
import * as fc from 'fast-check';
import { QUIESCENCE, TERMINAL_STATUS } from '../../harness/checkers/quiescence.js';
import { checkResidueBand, RESIDUE_BAND } from '../../harness/checkers/residue-band.js';
import type { LossOfInterest } from '../../proto/contract.js';
import { writesArb } from '../generators/workload.js';
import type { CaseDef, ClusterInput, ScenarioInput } from '../model.js';
import { scenarioCase } from './scenario-case.js';

export const SIR_CASES: CaseDef<ScenarioInput>[] = [
  scenarioCase({
    id: 'sir/termination',
    requirement:
      'Rumor mongering terminates: within S + L rounds of the last update no envelope carries a rumor, and every node ends susceptible or removed (none infective).',
    level: 'MUST',
    source:
      'S = ceil(3·log2 n) + 3 spread rounds (Pittel 1987; Karp et al. 2000); L by loss-of-interest rule, Demers et al. 1987 §1.4 (harness/checkers/bounds.ts quiescenceBound)',
    variants: ['rumor-push', 'rumor-pull', 'hybrid'],
    checks: [QUIESCENCE, TERMINAL_STATUS],
  }),
];

/** The band is measured for these parameters (harness/checkers/residue-band.ts): k = 4, fanout 1, n = 256. */
const BAND_CLUSTER: fc.Arbitrary<ClusterInput> = fc.record({
  n: fc.constant(256),
  fanout: fc.constant(1),
  rumorK: fc.constant(4),
  lossOfInterest: fc.constant<LossOfInterest>('feedback-counter'),
  antiEntropyEvery: fc.constant(1),
  seed: fc.integer({ min: 0, max: 0x7fffffff }),
});

SIR_CASES.push(
  scenarioCase({
    id: 'sir/residue-band',
    requirement:
      'Push rumor mongering with feedback + counter (k = 4, fanout 1, 256 nodes, one rumor) leaves residue s and sends traffic m inside the theory band.',
    level: 'MUST',
    source: RESIDUE_BAND.source,
    variants: ['rumor-push'],
    checks: [],
    cluster: BAND_CLUSTER,
    writes: () => writesArb(1, 1),
    unsupported: (caps) =>
      caps.lossOfInterest.includes('feedback-counter') ? null : 'feedback-counter not declared',
    extra: [{ info: RESIDUE_BAND, check: checkResidueBand }],
  }),
);
