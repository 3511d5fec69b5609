// Verdicts as in DESIGN.md: a broken MUST is FAIL, a missed SHOULD is
// NON-STRICT, a measurement is INFO, an undeclared capability UNSUPPORTED.
export type Level = 'MUST' | 'SHOULD' | 'INFO';
export type VerdictKind = 'PASS' | 'NON-STRICT' | 'INFO' | 'UNSUPPORTED' | 'FAIL';

export interface Evidence {
  /** What the bound or requirement allows, e.g. "<= 12 rounds". */
  expected: string;
  /** What the history shows, e.g. "converged at round 9". */
  observed: string;
  /** Up to a few concrete lines: offending nodes, keys, rounds. */
  details: string[];
}

export interface Verdict {
  /** Stable hierarchical case id, e.g. "convergence/after-partition". */
  id: string;
  requirement: string;
  level: Level;
  verdict: VerdictKind;
  /** Where the bound comes from (paper, formula, declared parameter). */
  source: string;
  evidence: Evidence;
}

/** PASS when `ok`; otherwise FAIL for a MUST, NON-STRICT for a SHOULD. */
export function judge(level: Level, ok: boolean): VerdictKind {
  if (level === 'INFO') return 'INFO';
  if (ok) return 'PASS';
  return level === 'MUST' ? 'FAIL' : 'NON-STRICT';
}
