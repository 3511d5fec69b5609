import { describe, expect, it } from 'vitest';
import { renderJunit } from './junit.js';
import { report, result, XSS } from './testing/fixtures.js';

/** A tiny well-formedness check: balanced tags, quoted attributes, only the five entities. */
function checkWellFormed(xml: string): void {
  expect(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n')).toBe(true);
  // biome-ignore lint/suspicious/noControlCharactersInRegex: XML 1.0 forbids these
  expect(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/.test(xml)).toBe(false);
  const body = xml.slice(xml.indexOf('?>') + 2);
  const stack: string[] = [];
  const tag = /<(\/?)([A-Za-z][\w.-]*)((?:\s+[\w.-]+="[^"<]*")*)\s*(\/?)>/g;
  let last = 0;
  for (let m = tag.exec(body); m; m = tag.exec(body)) {
    const text = body.slice(last, m.index);
    expect(text).not.toMatch(/[<>]/);
    expect(text.replace(/&(amp|lt|gt|quot|#39);/g, '')).not.toMatch(/&/);
    for (const [, v] of m[3].matchAll(/="([^"]*)"/g))
      expect(v.replace(/&(amp|lt|gt|quot|#39);/g, '')).not.toMatch(/[&<>]/);
    if (m[1]) expect(stack.pop()).toBe(m[2]);
    else if (!m[4]) stack.push(m[2]);
    last = tag.lastIndex;
  }
  expect(body.slice(last).trim()).toBe('');
  expect(stack).toEqual([]);
}

const results = [
  result('convergence/no-faults', 'anti-entropy-push', 'PASS'),
  result('convergence/after-partition', 'anti-entropy-push', 'FAIL', {
    evidence: {
      expected: '<= 9 rounds & "no loss"',
      observed: `diverged ${XSS}\u0000\u001b`,
      details: [XSS],
    },
    counterexample: {
      seed: 5,
      path: '0:1',
      file: 'counterexamples/x.json',
      replay: 'gossipcheck replay counterexamples/x.json',
      history: 'counterexamples/x.jsonl',
    },
  }),
  result('bounds/fanout', 'anti-entropy-push', 'NON-STRICT', {}, 'SHOULD'),
  result('bounds/bytes', 'anti-entropy-push', 'INFO', {}, 'INFO'),
  result('sir/quiescence', 'rumor-push', 'UNSUPPORTED'),
  result('convergence/known', 'anti-entropy-push', 'FAIL', { expectedFailure: true }),
];

describe('junit.xml', () => {
  it('is well-formed, escapes IUT strings and gives every testcase a name and classname', () => {
    const xml = renderJunit(report(`impl ${XSS}`, `1.0 ${XSS}`, results));
    checkWellFormed(xml);
    expect(xml).not.toContain('<script');
    expect(xml).not.toContain('<img');
    const cases = [...xml.matchAll(/<testcase ([^>]*)>/g)].map((m) => m[1]);
    expect(cases).toHaveLength(results.length);
    for (const c of cases) {
      expect(c).toMatch(/name="[^"]+"/);
      expect(c).toMatch(/classname="gossipcheck\.[^"]+"/);
    }
    for (const s of xml.matchAll(/<testsuite ([^>]*)>/g)) expect(s[1]).toMatch(/name="[^"]+"/);
  });

  it('maps verdicts: FAIL failure with message, UNSUPPORTED and expected failures skipped, NON-STRICT passed with a note', () => {
    const xml = renderJunit(report('impl', '1', results));
    const failures = [...xml.matchAll(/<failure ([^>]*)>/g)].map((m) => m[1]);
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatch(/message="MUST broken: diverged [^"]+"/);
    expect(failures[0]).toContain('type="FAIL"');
    expect(xml).toContain('replay: gossipcheck replay counterexamples/x.json');
    expect((xml.match(/<skipped /g) ?? []).length).toBe(2);
    expect(xml).toContain('skipped message="UNSUPPORTED: UNSUPPORTED observed"');
    expect(xml).toContain('expected failure (--expect-fail)');
    expect(xml).toMatch(
      /bounds\/fanout \[anti-entropy-push\]"[^>]*>\s*<system-out>NON-STRICT: a SHOULD was missed/,
    );
    expect(xml).toMatch(/<testsuites name="gossipcheck" tests="6" failures="1" errors="0" skipped="2"/);
    const suites = [...xml.matchAll(/<testsuite name="([^"]+)" tests="(\d+)" failures="(\d+)"/g)].map((m) => [
      m[1],
      m[2],
      m[3],
    ]);
    expect(suites).toEqual([
      ['convergence', '3', '1'],
      ['bounds', '2', '0'],
      ['sir', '1', '0'],
    ]);
  });

  it('makes NON-STRICT a failure when the run was --strict', () => {
    const xml = renderJunit(report('impl', '1', results, { strict: true }));
    expect(xml).toContain('type="NON-STRICT"');
    expect(xml).toMatch(/failures="2" errors="0" skipped="2"/);
  });

  it('makes an INCONCLUSIVE MUST a failure, as the gate does, unless the run was --allow-inconclusive', () => {
    const unjudged = result('bounds/no-redundant-values', 'anti-entropy-push', 'INCONCLUSIVE', { judged: 0 });
    const withIt = [...results, unjudged];
    const xml = renderJunit(report('impl', '1', withIt));
    expect(xml).toMatch(/<failure message="MUST not judged: [^"]*" type="INCONCLUSIVE"/);
    expect(xml).toMatch(/failures="2" errors="0" skipped="2"/);
    expect(xml).toContain('<property name="allow-inconclusive" value="false"/>');
    const allowed = renderJunit(report('impl', '1', withIt, { allowInconclusive: true }));
    expect(allowed).not.toContain('type="INCONCLUSIVE"');
    expect(allowed).toMatch(/failures="1" errors="0" skipped="3"/);
    expect(allowed).toContain('<property name="allow-inconclusive" value="true"/>');
  });

  it('names testsuites by implementation when several runs are merged', () => {
    const xml = renderJunit([report('a', '1', results.slice(0, 1)), report('b', '2', results.slice(0, 1))]);
    checkWellFormed(xml);
    expect(xml).toContain('<testsuite name="a 1: convergence"');
    expect(xml).toContain('classname="gossipcheck.b 2.convergence"');
  });
});
