// What a run leaves behind, as data. Reports render this; they never
// recompute verdicts.

import type { Verdict, VerdictKind } from '../harness/checkers/verdict.js';
import type { Capabilities, Variant } from '../proto/contract.js';

export interface CaseResult extends Verdict {
  /** The scenario the case was checked in, e.g. "partition/halves". */
  scenario: string;
  variant: Variant;
  seed: number;
}

export interface RunReport {
  kit: { name: 'gossipcheck'; version: string };
  implementation: { name: string; version: string; capabilities: Capabilities | null };
  seed: number;
  nodes: number;
  /** The exact command line that re-runs the whole thing. */
  command: string;
  startedAt: string;
  results: CaseResult[];
  totals: Record<VerdictKind, number>;
}

export const VERDICT_ORDER: readonly VerdictKind[] = ['FAIL', 'NON-STRICT', 'UNSUPPORTED', 'INFO', 'PASS'];

export function countVerdicts(results: readonly Verdict[]): Record<VerdictKind, number> {
  const totals: Record<VerdictKind, number> = { PASS: 0, 'NON-STRICT': 0, INFO: 0, UNSUPPORTED: 0, FAIL: 0 };
  for (const r of results) totals[r.verdict]++;
  return totals;
}

/** The gate: 1 when any MUST failed (or, with strict, any SHOULD was missed). */
export function gateExitCode(results: readonly Verdict[], strict = false): 0 | 1 {
  return results.some((r) => r.verdict === 'FAIL' || (strict && r.verdict === 'NON-STRICT')) ? 1 : 0;
}
