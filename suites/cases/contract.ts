// contract/…: the rules of the GossipNode contract the other checks rely on:
// envelope metadata (kind, keys), addressing, versions, payload size, what
// Read reports, judged under faults. Most of them also ride along on every
// history of every case (checks/index.ts ridingAlong); these cases are where
// each is judged on purpose, selectable with --suite contract.
import * as fc from 'fast-check';
import { ADDRESSING, DECLARED_KEYS, ENVELOPE_KIND } from '../../checks/contract.js';
import {
  EXCHANGE_DIRECTION,
  EXCHANGE_DIRECTION_VARIANTS,
  PAYLOAD_SIZE,
  UNIQUE_VERSIONS,
} from '../../checks/contract-exchange.js';
import { DURABLE_RESTART, READ_SORTED } from '../../checks/contract-state.js';
import { KV_VARIANTS, VARIANTS } from '../../proto/contract.js';
import {
  crashArb,
  delayArb,
  duplicateArb,
  lossArb,
  partitionArb,
  pauseArb,
  scheduleArb,
} from '../generators/faults.js';
import { writesArb } from '../generators/workload.js';
import type { CaseDef, FaultInput, ScenarioInput } from '../model.js';
import { scenarioCase } from './scenario-case.js';

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
  scenarioCase({
    id: 'contract/unique-versions',
    requirement: UNIQUE_VERSIONS.requirement,
    level: 'MUST',
    source: UNIQUE_VERSIONS.source,
    variants: KV_VARIANTS,
    checks: [UNIQUE_VERSIONS],
    // The victim writes first (version 1 under any counter rule), crashes
    // without durable state, restarts and at once writes the same key again,
    // before it can learn anything: a node that ignores its generation can
    // only reissue version 1 here. Other writes come after.
    plan: () =>
      fc.record({ crash: crashArb(false), others: writesArb(8, 3) }).map(({ crash, others }) => ({
        faults: [crash],
        writes: [
          { round: 1, node: crash.node, key: 'z', value: 'before-crash' },
          { round: crash.restartAt, node: crash.node, key: 'z', value: 'after-restart' },
          ...others.map((w) => ({ ...w, round: crash.restartAt + w.round })),
        ],
      })),
  }),
  scenarioCase({
    id: 'contract/payload-size',
    requirement: PAYLOAD_SIZE.requirement,
    level: 'MUST',
    source: PAYLOAD_SIZE.source,
    variants: VARIANTS,
    checks: [PAYLOAD_SIZE],
    faults: anyFaults,
  }),
  scenarioCase({
    id: 'contract/read-sorted',
    requirement: READ_SORTED.requirement,
    level: 'MUST',
    source: READ_SORTED.source,
    // Variants whose snapshots list several entries (or members) to order.
    variants: [...KV_VARIANTS, 'membership-swim'],
    checks: [READ_SORTED],
    faults: anyFaults,
  }),
  scenarioCase({
    id: 'contract/durable-restart',
    requirement: DURABLE_RESTART.requirement,
    level: 'MUST',
    source: DURABLE_RESTART.source,
    variants: KV_VARIANTS,
    checks: [DURABLE_RESTART],
    unsupported: (caps) => (caps.durableRestart ? null : 'durable_restart not declared'),
    // The victim writes just before it crashes and stays cut off from everyone
    // through its restart round: its first Read after the restart shows only
    // what it restored from its disk, before anti-entropy could repair it.
    plan: () =>
      fc.record({ crash: crashArb(true), others: writesArb(8, 4) }).map(({ crash, others }) => ({
        faults: [
          crash,
          { type: 'isolate' as const, node: crash.node, from: crash.at - 1, until: crash.restartAt + 1 },
        ],
        writes: [
          ...others,
          { round: crash.at - 1, node: crash.node, key: 'y', value: 'kept' },
          { round: crash.at - 1, node: crash.node, key: 'z', value: 'last-words' },
        ],
      })),
  }),
  scenarioCase({
    id: 'contract/exchange-direction',
    requirement: EXCHANGE_DIRECTION.requirement,
    level: 'MUST',
    source: EXCHANGE_DIRECTION.source,
    variants: EXCHANGE_DIRECTION_VARIANTS,
    checks: [EXCHANGE_DIRECTION],
    faults: anyFaults,
  }),
];
