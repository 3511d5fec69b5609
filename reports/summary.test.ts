import { describe, expect, it } from 'vitest';
import { MAX_LISTED, mdCode, renderSummary } from './summary.js';
import { report, result, XSS } from './testing/fixtures.js';

describe('markdown summary', () => {
  it('gives totals, the gate, the re-run command and every failure with its replay command', () => {
    const md = renderSummary(
      report('ref', '0.1', [
        result('convergence/no-faults', 'anti-entropy-push', 'PASS'),
        result('convergence/after-partition', 'anti-entropy-push', 'FAIL', {
          counterexample: {
            seed: 1,
            path: '0',
            file: 'c.json',
            replay: 'gossipcheck replay c.json',
            history: 'c.jsonl',
          },
        }),
        result('bounds/fanout', 'anti-entropy-push', 'NON-STRICT', {}, 'SHOULD'),
      ]),
    );
    expect(md).toMatch(/^## gossipcheck: ref 0\.1 — gate failed\n/);
    expect(md).toContain('| FAIL | NOT-RUN | NON-STRICT | INCONCLUSIVE | UNSUPPORTED | INFO | PASS |');
    expect(md).toContain('| 1 | 0 | 1 | 0 | 0 | 0 | 1 |');
    expect(md).toContain('Re-run: `gossipcheck run');
    expect(md).toContain('| FAIL | `convergence/after-partition` | anti-entropy-push |');
    expect(md).toContain('`gossipcheck replay c.json`');
    expect(md).toContain('| NON-STRICT | `bounds/fanout`');
    expect(md).not.toContain('convergence/no-faults');
  });

  it('lists an INCONCLUSIVE MUST and fails the gate on it, unless the run was --allow-inconclusive', () => {
    const results = [
      result('convergence/no-faults', 'anti-entropy-push', 'PASS'),
      result('bounds/no-redundant-values', 'anti-entropy-push', 'INCONCLUSIVE', { judged: 0 }),
    ];
    const md = renderSummary(report('ref', '0.1', results));
    expect(md).toMatch(/— gate failed\n/);
    expect(md).toContain('| INCONCLUSIVE | `bounds/no-redundant-values` | anti-entropy-push |');
    const allowed = renderSummary(report('ref', '0.1', results, { allowInconclusive: true }));
    expect(allowed).toMatch(/— gate passed\n/);
    expect(allowed).toContain(' · --allow-inconclusive');
    expect(allowed).not.toContain('| INCONCLUSIVE | `bounds');
  });

  it('escapes IUT strings (HTML and table pipes) and caps the list', () => {
    const many = Array.from({ length: MAX_LISTED + 5 }, (_, i) =>
      result(`c/${i}`, 'anti-entropy-push', 'FAIL', {
        evidence: { expected: 'a | b', observed: `${XSS}\nsecond line`, details: [] },
      }),
    );
    const md = renderSummary(report(XSS, `1|2 ${XSS}`, many));
    // Code spans show their text literally; everywhere else HTML is escaped.
    expect(md.replace(/(`+)[^`][\s\S]*?\1/g, '')).not.toMatch(/<script|<img/);
    expect(md).toContain('&lt;script&gt;');
    expect(md).toContain('a \\| b');
    expect(md).toContain(`… and 5 more`);
    for (const line of md.split('\n').filter((l) => l.startsWith('| FAIL | `'))) {
      expect(line.split(/(?<!\\)\|/).length).toBe(8);
    }
  });

  it('keeps backticks from closing a code span early', () => {
    expect(mdCode('a `b` c')).toBe('``a `b` c``');
    expect(renderSummary([report('a', '1', []), report('b', '2', [])])).toMatch(
      /^## gossipcheck: 2 runs\n[\s\S]*### gossipcheck: a 1[\s\S]*### gossipcheck: b 2/,
    );
  });
});
