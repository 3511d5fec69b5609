// Verdicts (docs/verdicts.md): a broken MUST is FAIL, a missed SHOULD is
// NON-STRICT, a measurement is INFO, an undeclared capability UNSUPPORTED.
// Two more keep a verdict honest about its evidence:
// INCONCLUSIVE, a check or case that judged nothing; NOT-RUN, a case the run
// never got to (the IUT died earlier, the deadline passed, Ctrl-C).
export type Level = 'MUST' | 'SHOULD' | 'INFO';
export type VerdictKind =
  | 'PASS'
  | 'NON-STRICT'
  | 'INFO'
  | 'UNSUPPORTED'
  | 'FAIL'
  | 'INCONCLUSIVE'
  | 'NOT-RUN';

/** Every verdict kind, the worst first: the one order for totals, tables and "worst of". */
export const VERDICT_ORDER: readonly VerdictKind[] = [
  'FAIL',
  'NOT-RUN',
  'NON-STRICT',
  'INCONCLUSIVE',
  'UNSUPPORTED',
  'INFO',
  'PASS',
];

export function worst(kinds: readonly VerdictKind[]): VerdictKind {
  let w: VerdictKind = 'PASS';
  for (const k of kinds) if (VERDICT_ORDER.indexOf(k) < VERDICT_ORDER.indexOf(w)) w = k;
  return w;
}

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
  /**
   * How many things the check judged (nodes, keys, envelopes, rounds: the
   * check says which in its evidence). 0: it judged nothing, so it cannot
   * have passed.
   */
  judged: number;
  /** What a figure of this check should show: the key at fault, the round the bound falls on. */
  focus?: Focus;
}

export interface Focus {
  key?: string;
  /** The round (lockstep) by which the check required the outcome. */
  deadline?: number;
}

/** PASS when `ok`; otherwise FAIL for a MUST, NON-STRICT for a SHOULD. */
export function judge(level: Level, ok: boolean): VerdictKind {
  if (level === 'INFO') return 'INFO';
  if (ok) return 'PASS';
  return level === 'MUST' ? 'FAIL' : 'NON-STRICT';
}

/** The most evidence lines a verdict carries, and the longest line. */
export const MAX_DETAILS = 10;
export const MAX_LINE = 400;

/** Cuts one evidence line to `max` characters, saying how long it was. */
export function capLine(line: string, max = MAX_LINE): string {
  return line.length <= max ? line : `${line.slice(0, max)}... (${line.length} characters in all)`;
}

/** Keep at most `max` lines, each capped; the last one says how many were left out. */
export function capDetails(lines: string[], max = MAX_DETAILS): string[] {
  const kept =
    lines.length <= max ? lines : [...lines.slice(0, max - 1), `... and ${lines.length - max + 1} more`];
  return kept.map((l) => capLine(l));
}

/** A case's fixed description: id, requirement text, level, and where its bound comes from. */
export interface CheckInfo {
  id: string;
  requirement: string;
  level: Level;
  source: string;
}

/**
 * A verdict for `info` judged by `ok` (ignored for INFO cases) over `judged`
 * things. A check that judged nothing is INCONCLUSIVE, never PASS; details
 * are capped.
 */
export function verdictOf(info: CheckInfo, ok: boolean, evidence: Evidence, judged: number): Verdict {
  const verdict = judged === 0 && ok && info.level !== 'INFO' ? 'INCONCLUSIVE' : judge(info.level, ok);
  return {
    id: info.id,
    requirement: info.requirement,
    level: info.level,
    verdict,
    source: info.source,
    evidence: {
      expected: capLine(evidence.expected),
      observed: capLine(evidence.observed),
      details: capDetails(evidence.details),
    },
    judged,
  };
}

/**
 * No judgment: the history does not meet the check's precondition (faults
 * never healed, run too short, ...). INCONCLUSIVE, with the reason.
 */
export function notJudged(info: CheckInfo, evidence: Evidence): Verdict {
  return verdictOf(info, true, evidence, 0);
}

/** The IUT did not declare what the case needs. */
export function unsupported(info: CheckInfo, why: string): Verdict {
  return {
    id: info.id,
    requirement: info.requirement,
    level: info.level,
    verdict: 'UNSUPPORTED',
    source: info.source,
    evidence: { expected: 'capability declared in Init', observed: why, details: [] },
    judged: 0,
  };
}
