// What a run leaves behind, as data. Reports render this; they never
// recompute verdicts.

import { VERDICT_ORDER, type Verdict, type VerdictKind } from '../harness/checkers/verdict.js';
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

/** One check of a case, over all the case's runs. */
export interface CheckTally {
  id: string;
  /** The worst verdict it gave in any run. */
  verdict: VerdictKind;
  /** Runs in which it judged something. */
  runs: number;
  /** Things judged, summed over runs (nodes, keys, envelopes: see the check). */
  judged: number;
}

export interface CaseResult extends Verdict {
  /** The suite: the first segment of `id` ("convergence", "bounds", ...). */
  suite: string;
  variant: Variant;
  /** The fixed scenario an example-based check ran in, if any. */
  scenario?: string;
  /** Property runs made (1 for example-based cases). */
  runs: number;
  /** For a case, `judged` counts its runs in which at least one check judged something. */
  judged: number;
  /** Per check: its worst verdict and how much it judged. */
  checks?: CheckTally[];
  /** What the generated inputs covered: feature -> value bucket -> inputs (suites/input-stats.ts). */
  explored?: Record<string, Record<string, number>>;
  /** The seed the case's property ran with. */
  seed: number;
  /** Wall-clock time the case took (generation, runs, shrinking). */
  durationMs?: number;
  /** Report-dir relative path of a representative history (the first run, or the counterexample). */
  history?: string;
  counterexample?: Counterexample;
  /** Listed in --expect-fail: shown as a known failure; does not fail the gate. */
  expectedFailure?: boolean;
}

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
