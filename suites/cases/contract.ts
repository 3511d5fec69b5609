// contract/…: the rules of the GossipNode contract the other checks rely on:
// envelope metadata (kind, keys) and addressing, judged under faults.
import type * as fc from 'fast-check';
import { ADDRESSING, DECLARED_KEYS, ENVELOPE_KIND } from '../../harness/checkers/contract.js';
import { VARIANTS } from '../../proto/contract.js';
import {
  crashArb,
  delayArb,
  duplicateArb,
  lossArb,
  partitionArb,
  pauseArb,
  scheduleArb,
} from '../generators/faults.js';
import type { CaseDef, FaultInput, ScenarioInput } from '../model.js';
import { scenarioCase } from './scenario-case.js';

const KV_VARIANTS = VARIANTS.filter((v) => v !== 'push-sum');

/** Faults of every kind, so metadata and addressing are seen with loss, delay, crashes and pauses. */
const anyFaults = (): fc.Arbitrary<FaultInput[]> =>
  scheduleArb([lossArb(30), delayArb, duplicateArb, partitionArb('halves'), crashArb(false), pauseArb], 3);

const SOURCE =
  'GossipNode contract, Envelope and NodeInit (proto/gossipcheck/v1/gossip.proto; docs/contract.md)';

export const CONTRACT_CASES: CaseDef<ScenarioInput>[] = [
  scenarioCase({
    id: 'contract/envelope-kind',
    requirement: ENVELOPE_KIND.requirement,
    level: 'MUST',
    source: SOURCE,
    variants: VARIANTS,
    checks: [ENVELOPE_KIND],
    faults: anyFaults,
  }),
  scenarioCase({
    id: 'contract/declared-keys',
    requirement: DECLARED_KEYS.requirement,
    level: 'MUST',
    source: SOURCE,
    variants: KV_VARIANTS,
    checks: [DECLARED_KEYS],
    faults: anyFaults,
  }),
  scenarioCase({
    id: 'contract/addressing',
    requirement: ADDRESSING.requirement,
    level: 'MUST',
    source: SOURCE,
    variants: VARIANTS,
    checks: [ADDRESSING],
    faults: anyFaults,
  }),
];
