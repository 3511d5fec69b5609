// convergence/…: after faults heal and writes stop, every live node holds the
// same entries within the bound; no acknowledged update is lost; no version
// goes backwards at a node.
import * as fc from 'fast-check';
import { SPREAD_C, SPREAD_D } from '../../checks/bounds.js';
import {
  IDENTICAL_STATE,
  MONOTONIC_VERSIONS,
  NO_LOST_UPDATE,
  WITHIN_BOUND,
} from '../../checks/convergence.js';
import { ALL_FAULTS } from '../../checks/fault-evidence.js';
import { checkEachWriteWithinBound, EACH_WRITE_WITHIN_BOUND } from '../../checks/long-run.js';
import { PARTITION_SHAPES } from '../../engine/faults/schedule.js';
import { ANTI_ENTROPY_VARIANTS, type Variant } from '../../proto/contract.js';
import {
  crashArb,
  delayArb,
  duplicateArb,
  lossArb,
  partitionArb,
  reorderArb,
  scheduleArb,
} from '../generators/faults.js';
import { LONG_RUN, longRunPlanArb } from '../generators/long-run.js';
import { concurrentWritesArb, writesArb } from '../generators/workload.js';
import type { CaseDef, ScenarioInput } from '../model.js';
import { scenarioCase } from './scenario-case.js';

/** Variants that must converge under faults: anti-entropy repairs what faults lost. */
const REPAIRING: readonly Variant[] = [...ANTI_ENTROPY_VARIANTS, 'hybrid'];
const CONVERGING: readonly Variant[] = [...REPAIRING, 'direct-mail'];

const CHECKS = [IDENTICAL_STATE, NO_LOST_UPDATE, MONOTONIC_VERSIONS, WITHIN_BOUND];

const BOUND_SOURCE = `bound B(n) = ceil(${SPREAD_C}·log2 n) + ${SPREAD_D} rounds after the last heal (checks/bounds.ts): Pittel 1987, push spreads in log2 n + ln n + O(1) rounds whp; Karp et al. 2000, push-pull in log3 n + O(ln ln n); hybrid multiplies the log term by its anti-entropy period`;

const requirement = (when: string) =>
  `${when}: within B(n) rounds of the last heal, restart or write, every live node holds identical entries; no acknowledged update is lost; no version ever goes backwards at a node.`;

export const CONVERGENCE_CASES: CaseDef<ScenarioInput>[] = [
  scenarioCase({
    id: 'convergence/no-faults',
    requirement: requirement('Without faults'),
    level: 'MUST',
    source: `${BOUND_SOURCE}; direct mail: 1 round (Demers et al. 1987 §1.1)`,
    variants: CONVERGING,
    checks: CHECKS,
  }),
  ...PARTITION_SHAPES.map((shape) =>
    scenarioCase({
      id: `convergence/after-partition/${shape}`,
      requirement: requirement(`After a partition of shape ${shape} heals (writes on both sides while cut)`),
      level: 'MUST',
      source: BOUND_SOURCE,
      variants: REPAIRING,
      checks: CHECKS,
      faults: () => partitionArb(shape).map((f) => [f]),
      // In a ring of 3 every node neighbours both others: the shape cuts no edge (engine/faults/shapes.ts).
      ...(shape === 'ring' ? { minNodes: 4, requiresNodes: 4 } : {}),
    }),
  ),
  scenarioCase({
    id: 'convergence/under-loss',
    requirement: requirement('Under message loss up to 30%'),
    level: 'MUST',
    source: BOUND_SOURCE,
    variants: REPAIRING,
    checks: CHECKS,
    faults: () => scheduleArb([lossArb(30)]),
  }),
  scenarioCase({
    id: 'convergence/under-delay-reorder-duplicate',
    requirement: requirement('Under delay, reordering and duplication'),
    level: 'MUST',
    source: BOUND_SOURCE,
    variants: REPAIRING,
    checks: CHECKS,
    faults: () => scheduleArb([delayArb, reorderArb, duplicateArb], 4),
  }),
  ...[true, false].map((durable) =>
    scenarioCase({
      id: `convergence/crash-restart/${durable ? 'durable' : 'volatile'}`,
      requirement: requirement(
        durable
          ? 'Across a crash and a restart that restores durable state (a node declaring durable_restart keeps its store)'
          : 'Across a crash and a restart that wipes the node (it must catch up)',
      ),
      level: 'MUST',
      source: `${BOUND_SOURCE}; durability: the declared durable_restart capability`,
      variants: REPAIRING,
      checks: CHECKS,
      unsupported: (caps) => (durable && !caps.durableRestart ? 'durable_restart not declared' : null),
      // A write at the victim just before it crashes, while it is cut off from
      // everyone until its restart: the write survives only on its own disk.
      plan: () =>
        fc.record({ crash: crashArb(durable), others: writesArb(8, 4) }).map(({ crash, others }) => ({
          faults: [
            crash,
            { type: 'isolate' as const, node: crash.node, from: crash.at - 1, until: crash.restartAt },
          ],
          writes: [...others, { round: crash.at - 1, node: crash.node, key: 'z', value: 'last-words' }],
        })),
    }),
  ),
  scenarioCase({
    id: 'convergence/concurrent-writes',
    requirement: requirement('With concurrent writes to one key at several nodes'),
    level: 'MUST',
    source: `${BOUND_SOURCE}; LWW: the greater (counter, origin) version wins everywhere`,
    variants: CONVERGING,
    checks: CHECKS,
    writes: () => concurrentWritesArb(4),
  }),
  scenarioCase({
    id: 'convergence/long-run',
    requirement: `Over a long run (${LONG_RUN.minSpan}-${LONG_RUN.maxSpan} rounds of writes, with partitions, loss and crashes coming and healing all along it, late ones included): every write reaches every live node within B(n) rounds of its own last disturbance, not only by the end; no acknowledged update is lost; no version ever goes backwards at a node.`,
    level: 'MUST',
    source: `${BOUND_SOURCE}; per write: checks/long-run.ts`,
    variants: REPAIRING,
    checks: CHECKS,
    plan: () => longRunPlanArb(),
    // Its plan spreads activity over hundreds of rounds already.
    late: false,
    extra: [{ info: EACH_WRITE_WITHIN_BOUND, check: checkEachWriteWithinBound, faults: ALL_FAULTS }],
  }),
];
