// The evidence rule at case level: a case passes only when each of its
// checks judged something in some run, and no run failed.
import { describe, expect, test } from 'vitest';
import { atLevel, gradeRun, Tally } from './grade.js';
import type { Verdict, VerdictKind } from './verdict.js';

const check = (id: string, verdict: VerdictKind, judged: number): Verdict => ({
  id,
  requirement: 'r',
  level: 'MUST',
  verdict,
  source: 's',
  evidence: {
    expected: '',
    observed: `${id} observed`,
    details: verdict === 'INCONCLUSIVE' ? ['not judged: too short'] : [],
  },
  judged,
});
const completed = check('run/completed', 'PASS', 1);

describe('gradeRun', () => {
  test('a failed run/completed decides; a failing MUST check fails; nothing judged is INCONCLUSIVE', () => {
    expect(gradeRun('MUST', [check('run/completed', 'FAIL', 1), check('a', 'PASS', 3)])).toBe('FAIL');
    expect(gradeRun('MUST', [completed, check('a', 'FAIL', 1), check('b', 'PASS', 1)])).toBe('FAIL');
    expect(gradeRun('SHOULD', [completed, check('a', 'NON-STRICT', 1)])).toBe('NON-STRICT');
    expect(gradeRun('MUST', [completed, check('a', 'INCONCLUSIVE', 0)])).toBe('INCONCLUSIVE');
    expect(gradeRun('MUST', [completed, check('a', 'UNSUPPORTED', 0)])).toBe('UNSUPPORTED');
    expect(gradeRun('MUST', [completed, check('a', 'PASS', 2), check('b', 'INCONCLUSIVE', 0)])).toBe('PASS');
  });
});

describe('atLevel', () => {
  test('a verdict read at another level: broken, held, not judged; UNSUPPORTED and NOT-RUN keep', () => {
    expect(atLevel('FAIL', 'SHOULD')).toBe('NON-STRICT');
    expect(atLevel('NON-STRICT', 'MUST')).toBe('FAIL');
    expect(atLevel('FAIL', 'INFO')).toBe('INFO');
    expect(atLevel('PASS', 'INFO')).toBe('INFO');
    expect(atLevel('INFO', 'MUST')).toBe('PASS');
    expect(atLevel('INCONCLUSIVE', 'MUST')).toBe('INCONCLUSIVE');
    expect(atLevel('INCONCLUSIVE', 'INFO')).toBe('INFO');
    expect(atLevel('UNSUPPORTED', 'INFO')).toBe('UNSUPPORTED');
    expect(atLevel('NOT-RUN', 'INFO')).toBe('NOT-RUN');
  });
});

describe('Tally', () => {
  test('a check judged in one run of several passes; its verdict is over the judged runs only', () => {
    const t = new Tally(['a', 'b']);
    t.add([completed, check('a', 'INCONCLUSIVE', 0), check('b', 'PASS', 2)]);
    t.add([completed, check('a', 'PASS', 4), check('b', 'PASS', 1)]);
    expect(t.verdict('MUST')).toBe('PASS');
    expect(t.checks()).toEqual([
      { id: 'a', verdict: 'PASS', runs: 1, judged: 4 },
      { id: 'b', verdict: 'PASS', runs: 2, judged: 3 },
    ]);
    expect(t.judgedRuns).toBe(2);
  });

  test('a listed check that never judged, or never ran, makes the case INCONCLUSIVE with its reason', () => {
    const t = new Tally(['a', 'b', 'never']);
    t.add([completed, check('a', 'INCONCLUSIVE', 0), check('b', 'PASS', 2)]);
    expect(t.verdict('MUST')).toBe('INCONCLUSIVE');
    expect(t.unjudged()).toEqual([
      { id: 'a', reason: 'not judged: too short' },
      { id: 'never', reason: 'never applied' },
    ]);
    expect(t.checks().find((c) => c.id === 'a')?.verdict).toBe('INCONCLUSIVE');
  });

  test('no run judged anything: INCONCLUSIVE; every check UNSUPPORTED: UNSUPPORTED; an INFO case stays INFO', () => {
    const none = new Tally(['a']);
    none.add([completed, check('a', 'INCONCLUSIVE', 0)]);
    expect(none.verdict('MUST')).toBe('INCONCLUSIVE');
    expect(none.verdict('INFO')).toBe('INFO');
    const unsup = new Tally(['a']);
    unsup.add([completed, check('a', 'UNSUPPORTED', 0)]);
    expect(unsup.verdict('MUST')).toBe('UNSUPPORTED');
  });
});
