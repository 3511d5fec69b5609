import { describe, expect, test } from 'vitest';
import type { CaseResult } from '../suites/result.js';
import { failureGroups, groupLine } from './failure-groups.js';

const result = (
  id: string,
  variant: string,
  o: Partial<CaseResult> & { writes?: number } = {},
): CaseResult => {
  const { writes, ...rest } = o;
  return {
    id,
    variant: variant as CaseResult['variant'],
    suite: id.split('/')[0],
    requirement: '',
    level: 'MUST',
    verdict: 'FAIL',
    source: '',
    evidence: { expected: '', observed: '', details: [] },
    judged: 1,
    runs: 1,
    seed: 1,
    ...(writes !== undefined
      ? {
          counterexample: {
            seed: 1,
            path: '',
            file: '',
            history: '',
            replay: `replay ${id}-${variant}`,
            shape: { nodes: 3, writes, faults: 0, text: `3 nodes, ${writes} writes, no faults` },
          },
        }
      : {}),
    ...rest,
  };
};

describe('failureGroups: failing cases by the check that broke', () => {
  const results = [
    result('convergence/a', 'x', { brokenCheck: 'convergence/no-lost-update', writes: 10 }),
    result('convergence/b', 'x', { brokenCheck: 'convergence/no-lost-update', writes: 2 }),
    result('convergence/b', 'y', { brokenCheck: 'convergence/no-lost-update', writes: 5 }),
    result('contract/u', 'x', { brokenCheck: 'contract/unique-versions', writes: 1 }),
    result('membership/join', 'm'),
    result('convergence/c', 'x', { verdict: 'PASS' }),
    result('convergence/d', 'x', {
      brokenCheck: 'convergence/no-lost-update',
      expectedFailure: true,
      writes: 1,
    }),
  ];

  test('biggest group first; expected failures and non-failures left out; a case with no broken check is its own', () => {
    const groups = failureGroups(results);
    expect(groups.map((g) => [g.check, g.cases.length])).toEqual([
      ['convergence/no-lost-update', 3],
      ['contract/unique-versions', 1],
      ['membership/join', 1],
    ]);
    expect([groups[0].ids, groups[0].variants]).toEqual([2, 2]);
  });

  test('the smallest counterexample names the group, with its shape and replay', () => {
    const [lost] = failureGroups(results);
    expect(lost.smallest?.id).toBe('convergence/b');
    expect(groupLine(lost)).toBe(
      'convergence/no-lost-update broke 3 cases (2 case ids, 2 variants); smallest counterexample: convergence/b [x], 3 nodes, 2 writes, no faults: replay convergence/b-x',
    );
    expect(groupLine(failureGroups(results)[2])).toBe('membership/join broke 1 case (1 case id, 1 variant)');
  });
});
