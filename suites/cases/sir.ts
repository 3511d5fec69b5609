// sir/…: rumor mongering terminates: every node ends susceptible or removed,
// and no envelope carries a rumor after quiescence, within the bound.
import type { CaseDef, ScenarioInput } from '../model.js';
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
    checks: ['sir/quiescence', 'sir/terminal-status'],
  }),
];
