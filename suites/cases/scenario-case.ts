// Builds a lockstep case from its parts: which faults and writes to draw, and
// which checks (harness/checkers) decide its verdict.
import * as fc from 'fast-check';
import { CASES, checkHistory } from '../../harness/checkers/index.js';
import type { CaseInfo, Level, Verdict } from '../../harness/checkers/verdict.js';
import { buildView, type HistoryView } from '../../harness/checkers/view.js';
import type { Capabilities, Variant } from '../../proto/contract.js';
import { clusterArb } from '../generators/cluster.js';
import { writesArb } from '../generators/workload.js';
import { scenarioInputProblem } from '../input-schema.js';
import type { CaseDef, ClusterInput, FaultInput, GenContext, ScenarioInput, WriteInput } from '../model.js';
import { runScenario } from '../scenario.js';
import { gradeRun } from '../tally.js';

export interface ScenarioCaseSpec {
  id: string;
  requirement: string;
  level: Level;
  source: string;
  variants: readonly Variant[];
  /** Checks of harness/checkers (their CaseInfo constants) whose verdicts make this case's verdict. */
  checks: readonly CaseInfo[];
  faults?: (variant: Variant) => fc.Arbitrary<FaultInput[]>;
  writes?: (variant: Variant) => fc.Arbitrary<WriteInput[]>;
  /** A cluster of the case's own, where its bound only holds for given parameters. */
  cluster?: fc.Arbitrary<ClusterInput>;
  /** Writes and faults drawn together, when they must be correlated. */
  plan?: (variant: Variant) => fc.Arbitrary<{ writes: WriteInput[]; faults: FaultInput[] }>;
  minNodes?: number;
  /**
   * Whether inputs for this variant draw sparse and structured peer graphs
   * (ring, grid, random regular, small world, star of seeds) besides the full
   * mesh (default: yes). Cases whose bound is theory for the complete graph say no.
   */
  topologies?: (variant: Variant) => boolean;
  unsupported?: (caps: Capabilities, variant: Variant) => string | null;
  /** Checks outside checkHistory's table, each with its own CaseInfo. */
  extra?: readonly ExtraCheck[];
}

export interface ExtraCheck {
  info: CaseInfo;
  check: (v: HistoryView) => Verdict;
}

const KNOWN_CHECKS = new Set(CASES.map((c) => c.info.id));

/** Writes land in the first rounds, overlapping the fault windows. */
const WRITE_ROUNDS = 8;

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
          topologies: spec.topologies?.(variant) ?? true,
        }),
      plan,
      values: valuesArb,
    })
    .map(({ cluster, plan, values }) => ({ ...cluster, ...plan, values }));
}

/** Throws when the suites load if a case names a check that does not exist. */
export function scenarioCase(spec: ScenarioCaseSpec): CaseDef<ScenarioInput> {
  for (const c of spec.checks)
    if (!KNOWN_CHECKS.has(c.id)) throw new Error(`case ${spec.id}: unknown check '${c.id}'`);
  const checkIds = [...spec.checks.map((c) => c.id), ...(spec.extra ?? []).map((e) => e.info.id)];
  if (checkIds.length === 0) throw new Error(`case ${spec.id}: no check decides it`);
  return {
    validate: scenarioInputProblem,
    checkIds,
    id: spec.id,
    requirement: spec.requirement,
    level: spec.level,
    source: spec.source,
    variants: spec.variants,
    unsupported: spec.unsupported,
    arbitrary: (variant, gen) => scenarioArb(spec, variant, gen),
    async check(input, variant, ctx) {
      const events = await runScenario(input, variant, ctx, spec.id);
      const wanted = new Set(['run/completed', ...spec.checks.map((c) => c.id)]);
      const checks = checkHistory(events).filter((c) => wanted.has(c.id));
      if (spec.extra?.length && !checks.some((c) => c.id === 'run/completed' && c.verdict === 'FAIL')) {
        const view = buildView(events);
        for (const e of spec.extra) checks.push(e.check(view));
      }
      return { verdict: gradeRun(spec.level, checks), checks, events };
    },
  };
}
