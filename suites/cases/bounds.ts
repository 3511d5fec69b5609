// bounds/…: messages and bytes per update and per node per round within the
// variant's bound.
import {
  checkExchanges,
  checkNoRedundantValues,
  EXCHANGES,
  NO_REDUNDANT_VALUES,
} from '../../checks/exchanges.js';
import { DIRECT_MAIL, FANOUT } from '../../checks/messages.js';
import { checkRumorTraffic, RUMOR_TRAFFIC } from '../../checks/rumor-traffic.js';
import { ANTI_ENTROPY_VARIANTS } from '../../proto/contract.js';
import { writesArb } from '../generators/workload.js';
import type { CaseDef, ScenarioInput } from '../model.js';
import { scenarioCase } from './scenario-case.js';

export const BOUNDS_CASES: CaseDef<ScenarioInput>[] = [
  scenarioCase({
    id: 'bounds/direct-mail-messages',
    requirement: 'Direct mail sends each update to each other node once: at most n-1 messages per update.',
    level: 'MUST',
    source: 'Demers et al. 1987 §1.1: direct mail, n-1 messages per update',
    variants: ['direct-mail'],
    checks: [DIRECT_MAIL],
  }),
  scenarioCase({
    id: 'bounds/rumor-traffic',
    requirement:
      'Push rumor mongering leaves residue s no larger than e^-m for its traffic m (beyond sampling error).',
    level: 'SHOULD',
    source: 'Demers et al. 1987 §1.4: s = e^-m for push rumor mongering',
    variants: ['rumor-push'],
    checks: [],
    minNodes: 8,
    // One rumor at a time, so m and s are about that rumor alone.
    writes: () => writesArb(2, 1),
    extra: [{ info: RUMOR_TRAFFIC, check: checkRumorTraffic }],
  }),
  scenarioCase({
    id: 'bounds/anti-entropy-exchanges',
    requirement: 'An anti-entropy node starts at most `fanout` exchanges per round.',
    level: 'MUST',
    source: 'declared parameter fanout; Demers et al. 1987 §1.3',
    variants: ANTI_ENTROPY_VARIANTS,
    checks: [],
    extra: [{ info: EXCHANGES, check: checkExchanges }],
  }),
  scenarioCase({
    id: 'bounds/no-redundant-values',
    requirement:
      'Anti-entropy does not ship values the peer already holds: digests first, then only newer entries.',
    level: 'MUST',
    source: 'Demers et al. 1987 §1.3; the contract: digest (key, version) exchange first',
    variants: ANTI_ENTROPY_VARIANTS,
    checks: [],
    extra: [{ info: NO_REDUNDANT_VALUES, check: checkNoRedundantValues }],
  }),
  scenarioCase({
    id: 'bounds/fanout',
    requirement:
      'A node never contacts more than `fanout` distinct peers in a round (hybrid: one more for anti-entropy).',
    level: 'MUST',
    source: 'declared parameter fanout (Init Parameters)',
    variants: [...ANTI_ENTROPY_VARIANTS, 'rumor-push', 'hybrid', 'push-sum'],
    checks: [FANOUT],
  }),
];
