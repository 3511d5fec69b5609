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

/** The most evidence lines a verdict carries. */
export const MAX_DETAILS = 10;

/** Keep at most `max` lines; the last one says how many were left out. */
export function capDetails(lines: string[], max = MAX_DETAILS): string[] {
  if (lines.length <= max) return lines;
  return [...lines.slice(0, max - 1), `... and ${lines.length - max + 1} more`];
}

/** A case's fixed description: id, requirement text, level, and where its bound comes from. */
export interface CaseInfo {
  id: string;
  requirement: string;
  level: Level;
  source: string;
}

/** A verdict for `info` judged by `ok` (ignored for INFO cases); details are capped. */
export function verdictOf(info: CaseInfo, ok: boolean, evidence: Evidence): Verdict {
  return {
    id: info.id,
    requirement: info.requirement,
    level: info.level,
    verdict: judge(info.level, ok),
    source: info.source,
    evidence: { ...evidence, details: capDetails(evidence.details) },
  };
}

/**
 * A measurement in place of a judgment, for a case whose precondition the
 * history does not meet (faults never healed, run too short, ...): level INFO.
 */
export function notJudged(info: CaseInfo, evidence: Evidence): Verdict {
  return verdictOf({ ...info, level: 'INFO' }, true, evidence);
}

/** The IUT did not declare what the case needs. */
export function unsupported(info: CaseInfo, why: string): Verdict {
  return {
    id: info.id,
    requirement: info.requirement,
    level: info.level,
    verdict: 'UNSUPPORTED',
    source: info.source,
    evidence: { expected: 'capability declared in Init', observed: why, details: [] },
  };
}
