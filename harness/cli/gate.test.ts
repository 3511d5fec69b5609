// The gate: which verdicts fail a run, with and without --strict and --expect-fail.
import { describe, expect, test } from 'vitest';
import { type CaseResult, gateExitCode } from '../../reports/model.js';
import type { VerdictKind } from '../checkers/verdict.js';

const result = (verdict: VerdictKind, expectedFailure = false): CaseResult => ({
  id: 'x/y',
  requirement: 'r',
  level: verdict === 'NON-STRICT' ? 'SHOULD' : 'MUST',
  verdict,
  source: 's',
  evidence: { expected: '', observed: '', details: [] },
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
  test('NON-STRICT fails it only with --strict', () => {
    expect(gateExitCode([result('NON-STRICT')])).toBe(0);
    expect(gateExitCode([result('NON-STRICT')], true)).toBe(1);
  });
});
