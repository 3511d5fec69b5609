// The gate: which verdicts fail a run, with and without --strict,
// --allow-inconclusive and --expect-fail, and the evidence rule: no green
// gate without a judged MUST.
import { describe, expect, test } from 'vitest';
import {
  countVerdicts,
  type GatedResult,
  gate,
  gateExitCode,
  gateLines,
  gateText,
  gating,
  nothingJudgedReason,
  reasonOf,
} from './gate.js';
import type { Level, VerdictKind } from './verdict.js';

const result = (verdict: VerdictKind, over: Partial<GatedResult> & { level?: Level } = {}): GatedResult => ({
  id: `x/${verdict.toLowerCase()}`,
  variant: 'hybrid',
  level: verdict === 'NON-STRICT' ? 'SHOULD' : 'MUST',
  verdict,
  judged: verdict === 'INCONCLUSIVE' || verdict === 'UNSUPPORTED' || verdict === 'NOT-RUN' ? 0 : 1,
  evidence: { observed: `${verdict} observed`, details: [] },
  ...over,
});
const pass = result('PASS');
const unjudged = result('INCONCLUSIVE', {
  id: 'bounds/no-redundant-values',
  evidence: {
    observed: 'no run of 10 judged anything',
    details: ['bounds/no-redundant-values: 0 shipped values, none redundant'],
  },
});

describe('gating', () => {
  test('PASS, INFO, UNSUPPORTED and NOT-RUN never fail the gate, whatever the options', () => {
    for (const v of ['PASS', 'INFO', 'UNSUPPORTED', 'NOT-RUN'] as const)
      for (const opts of [{}, { strict: true }, { allowInconclusive: true }])
        expect(gating(result(v), opts), `${v} ${JSON.stringify(opts)}`).toBe(false);
  });
  test('a FAIL always fails it', () => {
    expect(gating(result('FAIL'), { allowInconclusive: true })).toBe(true);
    expect(gating(result('FAIL'))).toBe(true);
  });
  test('an INCONCLUSIVE MUST fails it by default; --allow-inconclusive accepts it; --strict does not', () => {
    expect(gating(unjudged)).toBe(true);
    expect(gating(unjudged, { strict: true })).toBe(true);
    expect(gating(unjudged, { allowInconclusive: true })).toBe(false);
    expect(gating(unjudged, { strict: true, allowInconclusive: true })).toBe(false);
  });
  test('an INCONCLUSIVE SHOULD or INFO case never fails it', () => {
    expect(gating(result('INCONCLUSIVE', { level: 'SHOULD' }), { strict: true })).toBe(false);
    expect(gating(result('INCONCLUSIVE', { level: 'INFO' }))).toBe(false);
  });
  test('NON-STRICT fails it only with --strict', () => {
    expect(gating(result('NON-STRICT'))).toBe(false);
    expect(gating(result('NON-STRICT'), { strict: true })).toBe(true);
    expect(gating(result('NON-STRICT'), { allowInconclusive: true })).toBe(false);
  });
});

describe('gateExitCode', () => {
  test('a FAIL fails it unless it is an expected failure', () => {
    expect(gateExitCode([pass, result('FAIL')])).toBe(1);
    expect(gateExitCode([pass, result('FAIL', { expectedFailure: true })])).toBe(0);
  });
  test('an INCONCLUSIVE MUST next to a judged PASS: 1 by default, 0 with --allow-inconclusive', () => {
    expect(gateExitCode([pass, unjudged])).toBe(1);
    expect(gateExitCode([pass, unjudged], { allowInconclusive: true })).toBe(0);
    // Listed as a known problem in --expect-fail, it does not gate either.
    expect(gateExitCode([pass, { ...unjudged, expectedFailure: true }])).toBe(0);
  });
  test('NON-STRICT fails it only with --strict', () => {
    expect(gateExitCode([pass, result('NON-STRICT')])).toBe(0);
    expect(gateExitCode([pass, result('NON-STRICT')], { strict: true })).toBe(1);
  });
  test('nothing judged is never green: no results, all UNSUPPORTED, all INCONCLUSIVE, only expected failures', () => {
    expect(gateExitCode([])).toBe(1);
    expect(gateExitCode([result('UNSUPPORTED'), result('INFO', { level: 'INFO' })])).toBe(1);
    // Accepting INCONCLUSIVE does not make "nothing judged" green.
    expect(gateExitCode([unjudged], { allowInconclusive: true })).toBe(1);
    expect(gateExitCode([result('FAIL', { expectedFailure: true })])).toBe(1);
    expect(gateExitCode([result('NOT-RUN')])).toBe(1);
    // A PASS that claims no judged run is not evidence either.
    expect(gateExitCode([result('PASS', { judged: 0 })])).toBe(1);
  });
});

describe('gate', () => {
  test('a stale --expect-fail entry fails it only with --strict', () => {
    expect(gate([pass], { staleExpectFail: true }).code).toBe(0);
    const g = gate([pass], { strict: true, staleExpectFail: true });
    expect(g).toMatchObject({ code: 1, staleGates: true, failing: [], nothingJudged: false });
  });
  test('lists what fails it, expected failures left out', () => {
    const g = gate([
      pass,
      result('FAIL'),
      result('FAIL', { id: 'x/known', expectedFailure: true }),
      unjudged,
    ]);
    expect(g.failing.map((r) => r.id)).toEqual(['x/fail', 'bounds/no-redundant-values']);
    expect(g.nothingJudged).toBe(false);
  });
});

describe('gateLines', () => {
  test('a passed gate prints nothing', () => {
    expect(gateLines(gate([pass]))).toEqual([]);
  });
  test('INCONCLUSIVE MUSTs: one hint line with the count, the first case and its reason', () => {
    const second = { ...unjudged, variant: 'anti-entropy-pull' };
    expect(gateLines(gate([pass, unjudged, second]))).toEqual([
      '2 MUST case(s) could not be judged (INCONCLUSIVE); first: bounds/no-redundant-values [hybrid]: no run of 10 judged anything (bounds/no-redundant-values: 0 shipped values, none redundant). Not a pass: fix what the reasons say, or accept with --allow-inconclusive',
    ]);
  });
  test('failures first, then the hint; the fallback only when no case fails it', () => {
    const lines = gateLines(gate([pass, unjudged, result('FAIL')]));
    expect(lines).toHaveLength(2);
    expect(lines[0]).toBe('1 case(s) failed; first: x/fail [hybrid]: FAIL observed');
    expect(lines[1]).toMatch(/^1 MUST case\(s\) could not be judged/);
    expect(gateLines(gate([]), 'nothing was judged: ...')).toEqual(['nothing was judged: ...']);
  });
  test('failures of several checks: the line says how many broke and which most often', () => {
    const lost = (id: string) => result('FAIL', { id, brokenCheck: 'convergence/no-lost-update' });
    const lines = gateLines(gate([lost('a/one'), result('FAIL', { id: 'b/two' }), lost('c/three')]));
    expect(lines[0]).toBe(
      '3 case(s) failed, 2 checks broke (most often convergence/no-lost-update, in 2); first: a/one [hybrid]: FAIL observed',
    );
    expect(gateLines(gate([lost('a/one'), lost('c/three')]))[0]).toMatch(/^2 case\(s\) failed; first: /);
  });
});

describe('reasons and words', () => {
  test('reasonOf: an INCONCLUSIVE case adds its first unjudged check; others say their evidence', () => {
    expect(reasonOf(unjudged)).toBe(
      'no run of 10 judged anything (bounds/no-redundant-values: 0 shipped values, none redundant)',
    );
    expect(reasonOf(result('FAIL', { evidence: { observed: 'lost k1', details: ['n1 holds v1'] } }))).toBe(
      'lost k1',
    );
  });
  test('nothingJudgedReason: nothing runnable vs no MUST held', () => {
    expect(nothingJudgedReason([result('UNSUPPORTED')], { variants: [], lockstep: false })).toBe(
      'nothing was judged: the IUT declares nothing this selection can check (variants: none; lockstep: false)',
    );
    expect(
      nothingJudgedReason([result('FAIL', { expectedFailure: true })], {
        variants: ['hybrid'],
        lockstep: true,
      }),
    ).toBe(
      'nothing was judged: no MUST case had a judged run that held (1 expected failure(s) from --expect-fail do not count)',
    );
  });
  test('gateText: the outcome, what failed it and the options a report recorded', () => {
    expect(gateText({ results: [pass] })).toBe('passed (default gate)');
    expect(gateText({ results: [pass, unjudged] })).toBe(
      'failed: 1 MUST case(s) INCONCLUSIVE (default gate)',
    );
    expect(gateText({ results: [pass, unjudged], allowInconclusive: true })).toBe(
      'passed (--allow-inconclusive)',
    );
    expect(gateText({ results: [result('NON-STRICT')], strict: true })).toBe(
      'failed: 1 case(s) failed (--strict)',
    );
    expect(gateText({ results: [] })).toBe('failed: no MUST case judged and held (default gate)');
  });
  test('countVerdicts counts every kind, zero included', () => {
    const t = countVerdicts([pass, pass, unjudged]);
    expect(t.PASS).toBe(2);
    expect(t.INCONCLUSIVE).toBe(1);
    expect(t.FAIL).toBe(0);
    expect(Object.keys(t)).toHaveLength(7);
  });
});
