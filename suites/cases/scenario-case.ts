// Builds a lockstep case from its parts: which faults and writes to draw, and
// which checks (checks) decide its verdict.
import * as fc from 'fast-check';
import type { FaultKind } from '../../checks/fault-effects.js';
import { requireFaultEffect } from '../../checks/fault-evidence.js';
import { gradeRun } from '../../checks/grade.js';
import { CHECKS, checkView } from '../../checks/index.js';
import type { CheckInfo, Level, Verdict } from '../../checks/verdict.js';
import { buildView, type HistoryView } from '../../checks/view.js';
import { type Capabilities, maxWriteBytes, type Variant } from '../../proto/contract.js';
import { clusterArb } from '../generators/cluster.js';
import { writesArb } from '../generators/workload.js';
import { scenarioInputProblem } from '../input-schema.js';
import type { CaseDef, ClusterInput, FaultInput, GenContext, ScenarioInput, WriteInput } from '../model.js';
import { runScenario } from '../scenario.js';

export interface ScenarioCaseSpec {
  id: string;
  requirement: string;
  level: Level;
  source: string;
  variants: readonly Variant[];
  /** Checks of checks (their CheckInfo constants) whose verdicts make this case's verdict. */
  checks: readonly CheckInfo[];
  faults?: (variant: Variant) => fc.Arbitrary<FaultInput[]>;
  writes?: (variant: Variant) => fc.Arbitrary<WriteInput[]>;
  /** A cluster of the case's own, where its bound only holds for given parameters. */
  cluster?: fc.Arbitrary<ClusterInput>;
  /** Writes and faults drawn together, when they must be correlated. */
  plan?: (variant: Variant) => fc.Arbitrary<{ writes: WriteInput[]; faults: FaultInput[] }>;
  minNodes?: number;
  /** Below this many nodes the case exercises nothing: UNSUPPORTED for a smaller --nodes. */
  requiresNodes?: number;
  /**
   * Whether inputs for this variant draw sparse and structured peer graphs
   * (ring, grid, random regular, small world, star of seeds) besides the full
   * mesh (default: `drawsTopologies`).
   */
  topologies?: (variant: Variant) => boolean;
  unsupported?: (caps: Capabilities, variant: Variant) => string | null;
  /** Whether activity may start late (default: yes; see LATEST_START). */
  late?: boolean;
  /** Checks outside checkHistory's table, each with its own CheckInfo. */
  extra?: readonly ExtraCheck[];
  /** Property executions shrinking one failure may take (CaseDef.shrinkBudget). */
  shrinkBudget?: number;
  /** Checks an input read back from a file (default: scenarioInputProblem, within the CLI's limits). */
  validate?: (input: unknown) => string | null;
}

export interface ExtraCheck {
  info: CheckInfo;
  check: (v: HistoryView) => Verdict;
  /** Judged under faults of these kinds (like CheckEntry.faults, checks/index.ts). */
  faults?: readonly FaultKind[];
}

const KNOWN_CHECKS = new Set(CHECKS.map((c) => c.info.id));

/** Writes land in the first rounds of the activity, overlapping the fault windows. */
const WRITE_ROUNDS = 8;

/**
 * Activity (writes, faults, restarts) starts at round 1 + an offset drawn in
 * [0, LATEST_START]: it may start anywhere in the first ~60 rounds, not only
 * at the start; the run lasts past the last activity by the bound as ever.
 */
export const LATEST_START = 50;
const lateArb = fc.oneof(
  { weight: 1, arbitrary: fc.constant(0) },
  { weight: 2, arbitrary: fc.integer({ min: 0, max: LATEST_START }) },
);

/** Every write, fault window, crash and restart moved `by` rounds later. */
export function startingAt(input: ScenarioInput, by: number): ScenarioInput {
  if (by === 0) return input;
  return {
    ...input,
    writes: input.writes.map((w) => ({ ...w, round: w.round + by })),
    faults: input.faults.map((f) =>
      f.type === 'crash'
        ? { ...f, at: f.at + by, restartAt: f.restartAt + by }
        : { ...f, from: f.from + by, until: f.until + by },
    ),
  };
}

/** Each value cut so that key and value fit one envelope under the input's payload limit (maxWriteBytes). */
export function fitWrites(input: ScenarioInput): ScenarioInput {
  const max = maxWriteBytes(input.maxPayloadBytes ?? 0);
  if (input.writes.every((w) => w.key.length + w.value.length <= max)) return input;
  return {
    ...input,
    writes: input.writes.map((w) => ({ ...w, value: w.value.slice(0, Math.max(0, max - w.key.length)) })),
  };
}

const valuesArb = fc.array(fc.integer({ min: 0, max: 99 }), { minLength: 1, maxLength: 8 });

export function scenarioArb(
  spec: ScenarioCaseSpec,
  variant: Variant,
  gen: GenContext,
): fc.Arbitrary<ScenarioInput> {
  const plan =
    spec.plan?.(variant) ??
    fc.record({
      writes: spec.writes ? spec.writes(variant) : writesArb(WRITE_ROUNDS),
      faults: spec.faults ? spec.faults(variant) : fc.constant<FaultInput[]>([]),
    });
  return fc
    .record({
      cluster:
        spec.cluster ??
        clusterArb(gen.capabilities, {
          minN: Math.min(gen.maxNodes, Math.max(spec.minNodes ?? 3, gen.minNodes)),
          maxN: gen.maxNodes,
          topologies: spec.topologies?.(variant) ?? drawsTopologies(spec.id, variant),
        }),
      plan,
      values: valuesArb,
      late: lateArb,
    })
    .map(({ cluster, plan, values, late }) => {
      const input: ScenarioInput = { ...cluster, ...plan, values };
      return fitWrites(spec.late === false ? input : startingAt(input, late));
    });
}

/**
 * Which cases draw peer graphs besides the full mesh (docs/bounds.md, "Peer
 * graphs"): contract/*, sir/termination, and convergence/* but for direct mail
 * (it reaches only the writer's peers). The others keep the full mesh their
 * theory is for; membership-swim contacts the members it learns, not a peer list.
 */
export function drawsTopologies(id: string, variant: Variant): boolean {
  if (variant === 'membership-swim') return false;
  if (id.startsWith('contract/') || id === 'sir/termination') return true;
  return id.startsWith('convergence/') && variant !== 'direct-mail';
}

/** Throws when the suites load if a case names a check that does not exist. */
export function scenarioCase(spec: ScenarioCaseSpec): CaseDef<ScenarioInput> {
  for (const c of spec.checks)
    if (!KNOWN_CHECKS.has(c.id)) throw new Error(`case ${spec.id}: unknown check '${c.id}'`);
  const checkIds = [...spec.checks.map((c) => c.id), ...(spec.extra ?? []).map((e) => e.info.id)];
  if (checkIds.length === 0) throw new Error(`case ${spec.id}: no check decides it`);
  return {
    validate: spec.validate ?? scenarioInputProblem,
    checkIds,
    id: spec.id,
    requirement: spec.requirement,
    level: spec.level,
    source: spec.source,
    variants: spec.variants,
    unsupported: spec.unsupported,
    ...(spec.requiresNodes ? { requiresNodes: spec.requiresNodes } : {}),
    ...(spec.shrinkBudget !== undefined ? { shrinkBudget: spec.shrinkBudget } : {}),
    arbitrary: (variant, gen) => scenarioArb(spec, variant, gen),
    async check(input, variant, ctx) {
      const events = await runScenario(input, variant, ctx, spec.id);
      const wanted = new Set(['run/completed', ...spec.checks.map((c) => c.id)]);
      const view = buildView(events);
      const checks = checkView(view, wanted);
      if (spec.extra?.length && !checks.some((c) => c.id === 'run/completed' && c.verdict === 'FAIL')) {
        for (const e of spec.extra) {
          const verdict = e.check(view);
          checks.push(e.faults ? requireFaultEffect(verdict, events, e.faults) : verdict);
        }
      }
      return { verdict: gradeRun(spec.level, checks), checks, events, view };
    },
  };
}
