// What a run leaves behind, as data. Reports render this; they never
// recompute verdicts.

import type { Verdict, VerdictKind } from '../harness/checkers/verdict.js';
import type { Capabilities, Variant } from '../proto/contract.js';

/** A failing property run, shrunk by fast-check, replayable by `gossipcheck replay FILE`. */
export interface Counterexample {
  /** fast-check's seed and path: `fc.assert(prop, { seed, path })` re-runs it. */
  seed: number;
  path: string;
  /** Report-dir relative path of the saved counterexample JSON. */
  file: string;
  /** The exact command that re-runs this case with this input. */
  replay: string;
  /** Report-dir relative path of the shrunk run's history (JSONL). */
  history: string;
}

export interface CaseResult extends Verdict {
  /** The suite: the first segment of `id` ("convergence", "bounds", ...). */
  suite: string;
  variant: Variant;
  /** The fixed scenario an example-based check ran in, if any. */
  scenario?: string;
  /** Property runs made (1 for example-based cases). */
  runs: number;
  /** The seed the case's property ran with. */
  seed: number;
  /** Report-dir relative path of a representative history (the first run, or the counterexample). */
  history?: string;
  counterexample?: Counterexample;
  /** Listed in --expect-fail: shown as a known failure; does not fail the gate. */
  expectedFailure?: boolean;
}

export interface RunReport {
  kit: { name: 'gossipcheck'; version: string };
  implementation: { name: string; version: string; capabilities: Capabilities | null };
  seed: number;
  /** The exact command line that re-runs the whole thing. */
  command: string;
  startedAt: string;
  results: CaseResult[];
  totals: Record<VerdictKind, number>;
  /**
   * The run gated with --strict: a NON-STRICT verdict failed the gate, so
   * junit.xml reports it as a failure too. Absent = false.
   */
  strict?: boolean;
}

export const VERDICT_ORDER: readonly VerdictKind[] = ['FAIL', 'NON-STRICT', 'UNSUPPORTED', 'INFO', 'PASS'];

export function countVerdicts(results: readonly Verdict[]): Record<VerdictKind, number> {
  const totals: Record<VerdictKind, number> = { PASS: 0, 'NON-STRICT': 0, INFO: 0, UNSUPPORTED: 0, FAIL: 0 };
  for (const r of results) totals[r.verdict]++;
  return totals;
}

/**
 * The gate: 1 when a MUST failed (or, with strict, a SHOULD was missed),
 * unless the case is a listed expected failure.
 */
export function gateExitCode(results: readonly CaseResult[], strict = false): 0 | 1 {
  const bad = (r: CaseResult) => r.verdict === 'FAIL' || (strict && r.verdict === 'NON-STRICT');
  return results.some((r) => bad(r) && !r.expectedFailure) ? 1 : 0;
}
