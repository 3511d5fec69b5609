// sir/…: rumor mongering terminates: every node ends susceptible or removed,
// and no envelope carries a rumor after quiescence, within the bound.
import * as fc from 'fast-check';
import { QUIESCENCE, TERMINAL_STATUS } from '../../checks/quiescence.js';
import {
  checkLossOfInterestRule,
  checkResidueBand,
  LOSS_OF_INTEREST_RULE,
  RESIDUE_BAND,
} from '../../checks/residue-band.js';
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
      'S = ceil(3·log2 n) + 3 spread rounds (Pittel 1987; Karp et al. 2000); L by loss-of-interest rule, Demers et al. 1987 §1.4 (checks/bounds.ts quiescenceBound)',
    variants: ['rumor-push', 'rumor-pull', 'hybrid'],
    checks: [QUIESCENCE, TERMINAL_STATUS],
  }),
];

/** Sites in a residue-band run: large enough that one site is 0.4% of s, small enough to stay cheap. */
export const BAND_N = 256;

/** Every declared k and fanout of the generators; theory has a value for each (checks/residue-theory.ts). */
const bandCluster = (rule: LossOfInterest): fc.Arbitrary<ClusterInput> =>
  fc.record({
    n: fc.constant(BAND_N),
    fanout: fc.integer({ min: 1, max: 3 }),
    rumorK: fc.integer({ min: 1, max: 5 }),
    lossOfInterest: fc.constant(rule),
    antiEntropyEvery: fc.constant(1),
    seed: fc.integer({ min: 0, max: 0x7fffffff }),
  });

const RULES: readonly LossOfInterest[] = ['feedback-counter', 'feedback-coin', 'blind-counter', 'blind-coin'];

SIR_CASES.push(
  ...RULES.map((rule) =>
    scenarioCase({
      id: `sir/residue-band/${rule}`,
      requirement: `Push rumor mongering with ${rule} (k = 1..5, fanout 1..3, ${BAND_N} nodes, one rumor, no faults) leaves residue s no larger than theory for its k, beyond sampling error, sends no more contacts than the rule allows, and each node stops only as the rule lets it.`,
      level: 'MUST',
      source: `${RESIDUE_BAND.source}; ${LOSS_OF_INTEREST_RULE.source}`,
      variants: ['rumor-push'],
      checks: [],
      cluster: bandCluster(rule),
      writes: () => writesArb(1, 1),
      late: false,
      unsupported: (caps) => (caps.lossOfInterest.includes(rule) ? null : `${rule} not declared`),
      extra: [
        { info: RESIDUE_BAND, check: checkResidueBand },
        { info: LOSS_OF_INTEREST_RULE, check: checkLossOfInterestRule },
      ],
    }),
  ),
);
