// What a run leaves behind, as data. Reports render this; they never
// recompute verdicts.

import { VERDICT_ORDER } from '../checks/verdict.js';
import type { CaseResult } from '../suites/result.js';

// A case's result and the run's report are the suites' product (suites/result.ts); reports take them as they are.
export type { CaseResult, CheckTally, Counterexample, RunReport, RunStatus } from '../suites/result.js';
export { countVerdicts } from '../suites/result.js';

export { VERDICT_ORDER };

/** Whether a result fails the gate (before --expect-fail is applied). */
export function gating(r: CaseResult, strict = false): boolean {
  if (r.verdict === 'FAIL') return true;
  if (!strict) return false;
  return r.verdict === 'NON-STRICT' || (r.verdict === 'INCONCLUSIVE' && r.level === 'MUST');
}

/** A MUST case that was judged and held: the evidence a green gate needs. */
export const judgedMust = (r: CaseResult) => r.level === 'MUST' && r.verdict === 'PASS' && r.judged > 0;

/**
 * The gate (docs/verdicts.md): 1 when a case fails it (FAIL; with strict also
 * NON-STRICT and INCONCLUSIVE MUST) and is not a listed expected failure, or
 * when no MUST case was judged at all; else 0. Harness errors (2) and aborts
 * are decided by the caller before this.
 */
export function gateExitCode(results: readonly CaseResult[], strict = false): 0 | 1 {
  if (results.some((r) => gating(r, strict) && !r.expectedFailure)) return 1;
  return results.some(judgedMust) ? 0 : 1;
}
