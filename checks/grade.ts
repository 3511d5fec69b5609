// Grading (docs/verdicts.md): from per-run check verdicts to a run's verdict
// and to a case's verdict over its runs, under the evidence rule: a case is
// PASS only when every check it is made of judged something in at least one
// run and none failed.
import { RUN_COMPLETED } from './run.js';
import { judge, type Level, type Verdict, type VerdictKind, worst } from './verdict.js';

/** The check every run has: a run that did not complete fails its case whatever else it says. */
export const RUN_COMPLETED_ID = RUN_COMPLETED.id;

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

/**
 * A verdict read at another level: a broken requirement is FAIL (MUST),
 * NON-STRICT (SHOULD) or INFO; one that held is PASS or INFO; nothing judged
 * stays INCONCLUSIVE unless the level is INFO. UNSUPPORTED and NOT-RUN keep.
 */
export function atLevel(kind: VerdictKind, level: Level): VerdictKind {
  switch (kind) {
    case 'FAIL':
    case 'NON-STRICT':
      return judge(level, false);
    case 'PASS':
    case 'INFO':
      return judge(level, true);
    case 'INCONCLUSIVE':
      return level === 'INFO' ? 'INFO' : 'INCONCLUSIVE';
    default:
      return kind;
  }
}

/** The verdict of one run of a case, from its checks: FAIL decides; nothing judged is INCONCLUSIVE. */
export function gradeRun(level: Level, checks: readonly Verdict[]): VerdictKind {
  if (checks.some((c) => c.id === RUN_COMPLETED_ID && c.verdict === 'FAIL')) return 'FAIL';
  const own = checks.filter((c) => c.id !== RUN_COMPLETED_ID);
  const w = worst(own.map((c) => c.verdict));
  if (w === 'FAIL' || w === 'NON-STRICT') return atLevel('FAIL', level);
  if (own.length > 0 && own.every((c) => c.verdict === 'UNSUPPORTED')) return 'UNSUPPORTED';
  if (!own.some((c) => c.judged > 0)) return atLevel('INCONCLUSIVE', level);
  return atLevel('PASS', level);
}

/** Accumulates each check's verdicts over the runs of one case. */
export class Tally {
  private readonly byId = new Map<string, CheckTally & { lastReason: string }>();
  judgedRuns = 0;

  constructor(expected: readonly string[] = []) {
    for (const id of expected)
      this.byId.set(id, { id, verdict: 'INCONCLUSIVE', runs: 0, judged: 0, lastReason: 'never applied' });
  }

  add(checks: readonly Verdict[]): void {
    let judgedSomething = false;
    for (const c of checks) {
      if (c.id === RUN_COMPLETED_ID) continue;
      const cur = this.byId.get(c.id) ?? { id: c.id, verdict: c.verdict, runs: 0, judged: 0, lastReason: '' };
      if (c.judged > 0 || c.verdict === 'FAIL' || c.verdict === 'NON-STRICT') {
        // The check's verdict is the worst over the runs in which it judged something.
        cur.verdict = cur.runs === 0 ? c.verdict : worst([cur.verdict, c.verdict]);
        cur.runs++;
        cur.judged += c.judged;
        judgedSomething = true;
      } else if (cur.runs === 0) {
        cur.verdict = c.verdict;
        if (c.verdict !== 'UNSUPPORTED')
          cur.lastReason = c.evidence.details.find((d) => d.startsWith('not judged')) ?? c.evidence.observed;
      }
      this.byId.set(c.id, cur);
    }
    if (judgedSomething) this.judgedRuns++;
  }

  checks(): CheckTally[] {
    return [...this.byId.values()].map(({ id, verdict, runs, judged }) => ({
      id,
      // A check that judged in no run cannot have passed, whatever it said.
      verdict: runs === 0 && (verdict === 'PASS' || verdict === 'INFO') ? 'INCONCLUSIVE' : verdict,
      runs,
      judged,
    }));
  }

  /** The checks that judged nothing in any run, with the last reason they gave. */
  unjudged(): { id: string; reason: string }[] {
    return [...this.byId.values()]
      .filter((t) => t.runs === 0 && t.verdict !== 'UNSUPPORTED' && t.verdict !== 'FAIL')
      .map((t) => ({ id: t.id, reason: t.lastReason }));
  }

  /** The case verdict when no run failed. */
  verdict(level: Level): VerdictKind {
    const all = [...this.byId.values()];
    if (all.length > 0 && all.every((t) => t.verdict === 'UNSUPPORTED')) return 'UNSUPPORTED';
    if (all.some((t) => t.verdict === 'NON-STRICT') && level === 'SHOULD') return 'NON-STRICT';
    if (level === 'INFO') return 'INFO';
    if (this.judgedRuns === 0 || this.unjudged().length > 0) return 'INCONCLUSIVE';
    return 'PASS';
  }
}
