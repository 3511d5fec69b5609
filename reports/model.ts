// What a run leaves behind, as data. Reports render this; they never
// recompute verdicts.

import { VERDICT_ORDER, type Verdict, type VerdictKind } from '../checks/verdict.js';
import type { Capabilities } from '../proto/contract.js';
import type { CaseResult } from '../suites/result.js';

// A case's result is the suites' product (suites/result.ts); reports take it as it is.
export type { CaseResult, CheckTally, Counterexample } from '../suites/result.js';

/**
 * completed: every selected case ran. aborted: Ctrl-C / SIGTERM stopped it.
 * deadline: --deadline passed. harness-error: the kit itself broke (exit 2).
 */
export type RunStatus = 'completed' | 'aborted' | 'deadline' | 'harness-error';

export interface RunReport {
  kit: { name: 'gossipcheck'; version: string };
  implementation: { name: string; version: string; capabilities: Capabilities | null };
  seed: number;
  /** The exact command line that re-runs the whole thing. */
  command: string;
  /** When the run started and ended (ISO 8601). */
  startedAt: string;
  finishedAt?: string;
  /** Absent = completed (reports written before statuses existed). */
  status?: RunStatus;
  /** What broke, for status harness-error / aborted / deadline. */
  statusReason?: string;
  /** Things the user should know that are not verdicts (e.g. --expect-fail entries that match nothing). */
  warnings?: string[];
  /** Report-dir relative paths of the IUT processes' stdout + stderr. */
  nodeLogs?: string[];
  results: CaseResult[];
  totals: Record<VerdictKind, number>;
  /**
   * The run gated with --strict: a NON-STRICT or INCONCLUSIVE MUST verdict
   * failed the gate, so junit.xml reports it as a failure too. Absent = false.
   */
  strict?: boolean;
}

export { VERDICT_ORDER };

export function countVerdicts(results: readonly Verdict[]): Record<VerdictKind, number> {
  const totals = Object.fromEntries(VERDICT_ORDER.map((k) => [k, 0])) as Record<VerdictKind, number>;
  for (const r of results) totals[r.verdict]++;
  return totals;
}

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
