// Builds a lockstep case from its parts: which faults and writes to draw, and
// which checks (harness/checkers) decide its verdict.
import * as fc from 'fast-check';
import { checkHistory } from '../../harness/checkers/index.js';
import type { Level, Verdict, VerdictKind } from '../../harness/checkers/verdict.js';
import type { Capabilities, Variant } from '../../proto/contract.js';
import { clusterArb } from '../generators/cluster.js';
import { writesArb } from '../generators/workload.js';
import type {
  CaseDef,
  ClusterInput,
  FaultInput,
  GenContext,
  Outcome,
  ScenarioInput,
  WriteInput,
} from '../model.js';
import { worst } from '../model.js';
import { runScenario } from '../scenario.js';

export interface ScenarioCaseSpec {
  id: string;
  requirement: string;
  level: Level;
  source: string;
  variants: readonly Variant[];
  /** Check ids (harness/checkers) whose verdicts make this case's verdict. */
  checks: readonly string[];
  faults?: (variant: Variant) => fc.Arbitrary<FaultInput[]>;
  writes?: (variant: Variant) => fc.Arbitrary<WriteInput[]>;
  /** A cluster of the case's own, where its bound only holds for given parameters. */
  cluster?: fc.Arbitrary<ClusterInput>;
  /** Writes and faults drawn together, when they must be correlated. */
  plan?: (variant: Variant) => fc.Arbitrary<{ writes: WriteInput[]; faults: FaultInput[] }>;
  minNodes?: number;
  unsupported?: (caps: Capabilities, variant: Variant) => string | null;
  /** Extra checks computed by the case itself from the history. */
  extra?: (events: Outcome['events']) => Verdict[];
}

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
        }),
      plan,
      values: valuesArb,
    })
    .map(({ cluster, plan, values }) => ({ ...cluster, ...plan, values }));
}

/** MUST cases fail on a broken check; SHOULD cases are NON-STRICT; INFO cases only measure. */
export function grade(level: Level, checks: Verdict[]): VerdictKind {
  const kinds = checks.map((c) => c.verdict);
  const w = worst(kinds);
  if (checks.some((c) => c.id === 'run/completed' && c.verdict === 'FAIL')) return 'FAIL';
  if (w === 'FAIL' || w === 'NON-STRICT')
    return level === 'MUST' ? 'FAIL' : level === 'SHOULD' ? 'NON-STRICT' : 'INFO';
  if (w === 'UNSUPPORTED') return 'UNSUPPORTED';
  return level === 'INFO' ? 'INFO' : 'PASS';
}

export function scenarioCase(spec: ScenarioCaseSpec): CaseDef<ScenarioInput> {
  return {
    id: spec.id,
    requirement: spec.requirement,
    level: spec.level,
    source: spec.source,
    variants: spec.variants,
    unsupported: spec.unsupported,
    arbitrary: (variant, gen) => scenarioArb(spec, variant, gen),
    async check(input, variant, ctx) {
      const events = await runScenario(input, variant, ctx, spec.id);
      const wanted = new Set(['run/completed', ...spec.checks]);
      const checks = [
        ...checkHistory(events).filter((c) => wanted.has(c.id)),
        ...(spec.extra?.(events) ?? []),
      ];
      return { verdict: grade(spec.level, checks), checks, events };
    },
  };
}
