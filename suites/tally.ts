// From per-run check verdicts to a case verdict, under the evidence rule
// (docs/verdicts.md): a case is PASS only when every check it is made of
// judged something in at least one run and none failed.
import { type Level, type Verdict, type VerdictKind, worst } from '../checks/verdict.js';
import type { CheckTally } from './result.js';

export const RUN_COMPLETED_ID = 'run/completed';

/** The verdict of one run of a case, from its checks: FAIL decides; nothing judged is INCONCLUSIVE. */
export function gradeRun(level: Level, checks: readonly Verdict[]): VerdictKind {
  if (checks.some((c) => c.id === RUN_COMPLETED_ID && c.verdict === 'FAIL')) return 'FAIL';
  const own = checks.filter((c) => c.id !== RUN_COMPLETED_ID);
  const w = worst(own.map((c) => c.verdict));
  if (w === 'FAIL' || w === 'NON-STRICT')
    return level === 'MUST' ? 'FAIL' : level === 'SHOULD' ? 'NON-STRICT' : 'INFO';
  if (own.length > 0 && own.every((c) => c.verdict === 'UNSUPPORTED')) return 'UNSUPPORTED';
  if (!own.some((c) => c.judged > 0)) return level === 'INFO' ? 'INFO' : 'INCONCLUSIVE';
  return level === 'INFO' ? 'INFO' : 'PASS';
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
