// The gate: which verdicts fail a run, with and without --strict and
// --expect-fail, and the evidence rule: no green gate without a judged MUST.
import { describe, expect, test } from 'vitest';
import type { VerdictKind } from '../checks/verdict.js';
import { type CaseResult, gateExitCode } from '../reports/model.js';

const result = (verdict: VerdictKind, expectedFailure = false, judged = 1): CaseResult => ({
  id: 'x/y',
  requirement: 'r',
  level: verdict === 'NON-STRICT' ? 'SHOULD' : 'MUST',
  verdict,
  source: 's',
  evidence: { expected: '', observed: '', details: [] },
  judged,
  suite: 'x',
  variant: 'hybrid',
  runs: 1,
  seed: 1,
  expectedFailure,
});

describe('gateExitCode', () => {
  test('PASS, INFO and UNSUPPORTED never fail the gate', () => {
    expect(gateExitCode([result('PASS'), result('INFO'), result('UNSUPPORTED')], true)).toBe(0);
  });
  test('a FAIL fails it unless it is an expected failure', () => {
    expect(gateExitCode([result('PASS'), result('FAIL')])).toBe(1);
    expect(gateExitCode([result('PASS'), result('FAIL', true)])).toBe(0);
  });
  test('NON-STRICT and an INCONCLUSIVE MUST fail it only with --strict', () => {
    expect(gateExitCode([result('PASS'), result('NON-STRICT')])).toBe(0);
    expect(gateExitCode([result('PASS'), result('NON-STRICT')], true)).toBe(1);
    expect(gateExitCode([result('PASS'), result('INCONCLUSIVE', false, 0)])).toBe(0);
    expect(gateExitCode([result('PASS'), result('INCONCLUSIVE', false, 0)], true)).toBe(1);
  });
  test('nothing judged is never green: no results, all UNSUPPORTED, all INCONCLUSIVE, only expected failures', () => {
    expect(gateExitCode([])).toBe(1);
    expect(gateExitCode([result('UNSUPPORTED', false, 0), result('INFO')])).toBe(1);
    expect(gateExitCode([result('INCONCLUSIVE', false, 0)])).toBe(1);
    expect(gateExitCode([result('FAIL', true)])).toBe(1);
    expect(gateExitCode([result('NOT-RUN', false, 0)])).toBe(1);
    // A PASS that claims no judged run is not evidence either.
    expect(gateExitCode([result('PASS', false, 0)])).toBe(1);
  });
});
