import { describe, expect, it } from 'vitest';
import type { Verdict } from '../checks/verdict.js';
import { KIT_VERSION } from '../shared/kit.js';
import { caseResult, runReport } from './result.js';

const verdict = (id: string, v: Verdict['verdict']): Verdict => ({
  id,
  requirement: 'r',
  level: 'MUST',
  source: 's',
  verdict: v,
  evidence: { expected: 'e', observed: 'o', details: [] },
  judged: v === 'UNSUPPORTED' ? 0 : 1,
});

describe('the result builder', () => {
  it('makes a case result: the verdict, its suite from the id, where it was reached', () => {
    const r = caseResult(verdict('maelstrom/convergence/after-loss', 'PASS'), {
      variant: 'anti-entropy-push-pull',
      seed: 7,
      runs: 1,
      scenario: 'after-loss; 3 nodes',
      history: 'histories/x.jsonl',
    });
    expect(r).toMatchObject({
      id: 'maelstrom/convergence/after-loss',
      suite: 'maelstrom',
      verdict: 'PASS',
      variant: 'anti-entropy-push-pull',
      seed: 7,
      runs: 1,
      judged: 1,
      scenario: 'after-loss; 3 nodes',
      history: 'histories/x.jsonl',
    });
  });

  it('leaves out a scenario and history it was not given', () => {
    const r = caseResult(verdict('run/completed', 'UNSUPPORTED'), { variant: 'hybrid', seed: 1, runs: 0 });
    expect('scenario' in r).toBe(false);
    expect('history' in r).toBe(false);
    expect(r.suite).toBe('run');
  });

  it('assembles the run report: the kit, the facts, the totals of the results', () => {
    const results = [
      caseResult(verdict('a/x', 'PASS'), { variant: 'hybrid', seed: 1, runs: 1 }),
      caseResult(verdict('a/y', 'FAIL'), { variant: 'hybrid', seed: 1, runs: 1 }),
      caseResult(verdict('b/z', 'FAIL'), { variant: 'hybrid', seed: 1, runs: 1 }),
    ];
    const report = runReport({
      implementation: { name: 'impl', version: '1', capabilities: null },
      seed: 1,
      command: 'gossipcheck chaos',
      startedAt: '2026-01-01T00:00:00.000Z',
      results,
    });
    expect(report.kit).toEqual({ name: 'gossipcheck', version: KIT_VERSION });
    expect(report.totals.PASS).toBe(1);
    expect(report.totals.FAIL).toBe(2);
    expect(report.totals.UNSUPPORTED).toBe(0);
    expect(report.results).toBe(results);
    expect(report.command).toBe('gossipcheck chaos');
  });
});
