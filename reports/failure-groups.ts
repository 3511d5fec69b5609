// Failures that point at one bug: a run's failing cases grouped by the check
// that broke (CaseResult.brokenCheck; the case's id where a command records
// none), biggest group first, each with its smallest counterexample (fewest
// writes, then faults, then nodes). One copy for the console and the page.

import { count } from '../shared/plural.js';
import type { CaseResult } from '../suites/result.js';

export interface FailureGroup {
  check: string;
  cases: CaseResult[];
  /** Distinct case ids and variants among them. */
  ids: number;
  variants: number;
  /** The failing case with the smallest counterexample, if any has one. */
  smallest?: CaseResult;
}

const size = (r: CaseResult) => {
  const s = r.counterexample?.shape;
  return s ? [s.writes, s.faults, s.nodes] : [Number.POSITIVE_INFINITY];
};

function smaller(a: CaseResult, b: CaseResult): boolean {
  const x = size(a);
  const y = size(b);
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    if ((x[i] ?? 0) !== (y[i] ?? 0)) return (x[i] ?? 0) < (y[i] ?? 0);
  }
  return false;
}

/** The FAILs (expected failures left out: they do not fail the gate), by broken check. */
export function failureGroups(results: readonly CaseResult[]): FailureGroup[] {
  const byCheck = new Map<string, CaseResult[]>();
  for (const r of results) {
    if (r.verdict !== 'FAIL' || r.expectedFailure) continue;
    const check = r.brokenCheck ?? r.id;
    byCheck.set(check, [...(byCheck.get(check) ?? []), r]);
  }
  return [...byCheck.entries()]
    .map(([check, cases]): FailureGroup => {
      const withCx = cases.filter((r) => r.counterexample);
      const smallest = withCx.reduce<CaseResult | undefined>(
        (m, r) => (!m || smaller(r, m) ? r : m),
        undefined,
      );
      return {
        check,
        cases,
        ids: new Set(cases.map((r) => r.id)).size,
        variants: new Set(cases.map((r) => r.variant)).size,
        ...(smallest ? { smallest } : {}),
      };
    })
    .sort((a, b) => b.cases.length - a.cases.length || (a.check < b.check ? -1 : 1));
}

/** One line per group, e.g. "convergence/no-lost-update broke 57 cases (14 case ids, 6 variants); smallest counterexample: ...". */
export function groupLine(g: FailureGroup): string {
  const where = `${count(g.cases.length, 'case')} (${count(g.ids, 'case id')}, ${count(g.variants, 'variant')})`;
  const s = g.smallest;
  const cx = s?.counterexample;
  const smallest = cx
    ? `; smallest counterexample: ${s.id} [${s.variant}]${cx.shape ? `, ${cx.shape.text}` : ''}: ${cx.replay}`
    : '';
  return `${g.check} broke ${where}${smallest}`;
}
