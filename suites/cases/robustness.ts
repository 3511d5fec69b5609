// robustness/…: every case is a lockstep run through the runner, whose router
// injects the fault under test; the history is judged by pure checkers.
// - bad input (checks/rejection.ts): a tamper fault sends a damaged
//   copy beside each envelope of the first rounds (garbage payload, unknown
//   node, oversize); the batch must be refused, change nothing, and its valid
//   part must still be accepted;
// - duplicated and reordered deliveries are idempotent
//   (checks/idempotence.ts).
import * as fc from 'fast-check';
import { gradeRun } from '../../checks/grade.js';
import {
  checkDuplicateIdempotent,
  checkReorderIdempotent,
  DUPLICATE_IDEMPOTENT,
  REORDER_IDEMPOTENT,
} from '../../checks/idempotence.js';
import { checkHistory } from '../../checks/index.js';
import { checkRejection, REJECTION_CHECKS } from '../../checks/rejection.js';
import { buildView } from '../../checks/view.js';
import type { TamperHow } from '../../engine/faults/schedule.js';
import type { HistoryEvent } from '../../engine/history/events.js';
import { type LockstepSpec, runLockstep } from '../../engine/runner/lockstep.js';
import {
  ANTI_ENTROPY_VARIANTS,
  KV_VARIANTS,
  minimalParameters,
  nodeIds,
  type Parameters,
  VARIANTS,
  type Variant,
} from '../../proto/contract.js';
import { deriveSeed } from '../../shared/prng.js';
import { int, LIMITS, list, record, text } from '../input-schema.js';
import type { CaseContext, CaseDef, FaultInput, GenContext, ScenarioInput } from '../model.js';
import { HOP_LIMIT } from '../scenario.js';
import { scenarioCase } from './scenario-case.js';

/** Small so the oversize copies stay cheap. */
const MAX_PAYLOAD = 4096;
/** Writes in round 1; damaged copies beside every envelope of rounds 1 and 2; round 3 shows what stayed. */
const TAMPER_WINDOW = { from: 1, until: 3 };
const PROBE_ROUNDS = 3;

export interface ProbeInput {
  n: number;
  seed: number;
  writes: { node: number; key: string; value: string }[];
  /** Garbage tail, unknown id suffix, bytes past the size limit. */
  bytes: number[];
  ghost: string;
  extra: number;
}

/** Cluster sizes follow the run's limits (--nodes, --min-nodes), at least 2. */
const probeArb = (gen: GenContext): fc.Arbitrary<ProbeInput> =>
  fc.record({
    n: fc.integer({ min: Math.max(2, Math.min(gen.minNodes, gen.maxNodes)), max: Math.max(2, gen.maxNodes) }),
    seed: fc.integer({ min: 0, max: 0x7fffffff }),
    writes: fc
      .array(fc.record({ node: fc.nat({ max: 63 }), key: fc.constantFrom('a', 'b', 'c') }), {
        minLength: 1,
        maxLength: 4,
      })
      .map((ws) => ws.map((w, i) => ({ ...w, value: `v${i}` }))),
    bytes: fc.array(fc.integer({ min: 0, max: 255 }), { maxLength: 32 }),
    ghost: fc.string({ minLength: 0, maxLength: 8 }),
    extra: fc.integer({ min: 1, max: 2048 }),
  });

const probeInputProblem = (x: unknown): string | null =>
  record({
    n: int(2, LIMITS.nodes),
    seed: int(-(2 ** 31), 2 ** 32),
    writes: list(record({ node: int(0, LIMITS.items), key: text, value: text }), 1000),
    bytes: list(int(0, 255), LIMITS.items),
    ghost: text,
    extra: int(0, LIMITS.text),
  })(x, 'input');

function params(variant: Variant): Parameters {
  return minimalParameters(variant, { rumorK: 2, maxPayloadBytes: MAX_PAYLOAD });
}

const TAMPERS: Record<TamperHow['what'], (input: ProbeInput) => TamperHow> = {
  garbage: (input) => ({ what: 'garbage', bytes: input.bytes.slice() }),
  'unknown-node': (input) => ({ what: 'unknown-node', ghost: `ghost-${input.ghost}` }),
  oversize: (input) => ({ what: 'oversize', size: MAX_PAYLOAD + input.extra }),
};

/** The lockstep run of a probe: a small cluster, writes in round 1, the tamper fault over the first rounds. */
export function probeSpec(
  input: ProbeInput,
  variant: Variant,
  how: TamperHow,
  ctx: CaseContext,
): LockstepSpec {
  const nodes = nodeIds(input.n);
  return {
    seed: deriveSeed(input.seed, 'scenario'),
    scenario: REJECTION_CHECKS[how.what].id,
    nodes,
    peers: Object.fromEntries(nodes.map((id) => [id, nodes.filter((p) => p !== id)])),
    params: params(variant),
    rounds: Math.max(PROBE_ROUNDS, ctx.minRounds),
    hopLimit: HOP_LIMIT,
    workload:
      variant === 'push-sum'
        ? []
        : input.writes.map((w) => ({
            round: 1,
            node: nodes[w.node % nodes.length],
            key: w.key,
            value: w.value,
          })),
    schedule: [{ type: 'link', ...TAMPER_WINDOW, fault: { kind: 'tamper', how, probability: 1 } }],
    initialValues: Object.fromEntries(nodes.map((id) => [id, variant === 'push-sum' ? 1 : 0])),
    callTimeoutMs: ctx.callTimeoutMs,
    maxEnvelopesPerRound: ctx.maxEnvelopesPerRound ?? 0,
  };
}

function rejectionCase(what: TamperHow['what']): CaseDef<ProbeInput> {
  const info = REJECTION_CHECKS[what];
  return {
    id: info.id,
    requirement: info.requirement,
    level: 'MUST',
    source: info.source,
    variants: VARIANTS,
    arbitrary: (_variant, gen) => probeArb(gen),
    validate: probeInputProblem,
    checkIds: [info.id],
    async check(input, variant, ctx) {
      const spec = probeSpec(input, variant, TAMPERS[what](input), ctx);
      const events: HistoryEvent[] = [];
      await runLockstep(spec, [{ endpoint: ctx.endpoint, nodes: spec.nodes }], (e) => events.push(e));
      const checks = checkHistory(events, new Set(['run/completed']));
      if (!checks.some((c) => c.verdict === 'FAIL')) checks.push(checkRejection(what, buildView(events)));
      return { verdict: gradeRun('MUST', checks), checks, events };
    },
  };
}

export const REJECTION_CASES: CaseDef<ProbeInput>[] = [
  rejectionCase('garbage'),
  rejectionCase('unknown-node'),
  rejectionCase('oversize'),
];

/** Writes land in rounds 1-8; the fault covers them and the gossip right after. */
const WHOLE_WRITE_WINDOW = { from: 1, until: 12 };

export const IDEMPOTENCE_CASES: CaseDef<ScenarioInput>[] = [
  scenarioCase({
    id: 'robustness/duplicate-idempotent',
    requirement: DUPLICATE_IDEMPOTENT.requirement,
    level: 'MUST',
    source: DUPLICATE_IDEMPOTENT.source,
    variants: KV_VARIANTS,
    checks: [],
    // Full mesh: direct mail reaches only a node's peers, so a sparse graph says nothing about order.
    topologies: () => false,
    extra: [{ info: DUPLICATE_IDEMPOTENT, check: checkDuplicateIdempotent }],
    faults: () =>
      fc.constant<FaultInput[]>([
        { type: 'link', fault: { kind: 'duplicate', probability: 1 }, ...WHOLE_WRITE_WINDOW },
      ]),
  }),
  scenarioCase({
    id: 'robustness/reorder-idempotent',
    requirement: REORDER_IDEMPOTENT.requirement,
    level: 'MUST',
    source: `${REORDER_IDEMPOTENT.source}; pure rumor mongering may leave residue (Demers et al. 1987 §1.4), so its final entries say nothing about order`,
    variants: [...ANTI_ENTROPY_VARIANTS, 'hybrid', 'direct-mail'],
    checks: [],
    topologies: () => false,
    extra: [{ info: REORDER_IDEMPOTENT, check: checkReorderIdempotent }],
    faults: () =>
      fc.constant<FaultInput[]>([{ type: 'link', fault: { kind: 'reorder' }, ...WHOLE_WRITE_WINDOW }]),
  }),
];
