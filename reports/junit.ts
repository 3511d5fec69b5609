// junit.xml for CI tools: <testsuites> > one <testsuite> per suite (per run,
// when several runs are merged) > one <testcase> per case and variant, every
// testcase with name and classname.
//
// Verdict mapping (decided here, documented in reports/README.md):
// - PASS: a passed testcase.
// - FAIL: <failure message="..." type="FAIL">, the evidence as its text.
//   An expected failure (--expect-fail) is <skipped>: it does not gate.
// - NON-STRICT (a SHOULD missed): passed, with a <system-out> note saying so,
//   because the default gate passes it; a --strict run (report.strict) makes
//   it a <failure type="NON-STRICT">, as its gate does.
// - INCONCLUSIVE MUST: <failure type="INCONCLUSIVE">, as the gate has it
//   (checks/gate.ts); <skipped> in a run with --allow-inconclusive.
// - INFO (a measurement): passed, the measurement in <system-out>.
// - UNSUPPORTED (capability not declared): <skipped message="...">.
// Every string is XML-escaped, and characters XML cannot carry are replaced.
import { type GateOptions, gateOptionsOf, gating } from '../checks/gate.js';
import type { CaseResult, RunReport } from '../suites/result.js';
import { escapeXml as x } from './escape.js';

const MAX_MESSAGE = 1000;

function oneLine(s: string, max = MAX_MESSAGE): string {
  const line = s.replace(/\s+/g, ' ').trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

function evidenceText(r: CaseResult): string {
  const ev = r.evidence ?? { expected: '', observed: '', details: [] };
  const lines = [
    `${r.verdict} (${r.level}) ${r.id} [${r.variant}]${r.scenario ? ` (${r.scenario})` : ''}`,
    `requirement: ${r.requirement}`,
    `source: ${r.source}`,
    `expected: ${ev.expected}`,
    `observed: ${ev.observed}`,
    ...(ev.details ?? []).map((d) => `  ${d}`),
    `runs: ${r.runs}, seed: ${r.seed}`,
  ];
  if (r.history) lines.push(`history: ${r.history}`);
  const c = r.counterexample;
  if (c) {
    lines.push(`counterexample: ${c.file} (fast-check seed ${c.seed}, path "${c.path}")`);
    lines.push(`counterexample history: ${c.history}`);
    lines.push(`replay: ${c.replay}`);
  }
  return lines.join('\n');
}

type Outcome = 'passed' | 'failure' | 'skipped';

function outcome(r: CaseResult, gate: GateOptions): Outcome {
  if (gating(r, gate)) return r.expectedFailure ? 'skipped' : 'failure';
  // Judged nothing, or never ran: not a pass, whatever a CI reporter makes of it.
  if (r.verdict === 'UNSUPPORTED' || r.verdict === 'NOT-RUN' || r.verdict === 'INCONCLUSIVE')
    return 'skipped';
  return 'passed';
}

const secs = (ms: number | undefined) => ((ms ?? 0) / 1000).toFixed(3);

function testcase(r: CaseResult, classname: string, gate: GateOptions): string {
  const name = `${r.id} [${r.variant}]`;
  const open = `    <testcase name="${x(name)}" classname="${x(classname)}" time="${secs(r.durationMs)}"`;
  const text = evidenceText(r);
  const observed = r.evidence?.observed ?? '';
  switch (outcome(r, gate)) {
    case 'failure': {
      const what = r.verdict === 'FAIL' ? 'broken' : r.verdict === 'INCONCLUSIVE' ? 'not judged' : 'missed';
      return `${open}>\n      <failure message="${x(oneLine(`${r.level} ${what}: ${observed}`))}" type="${x(r.verdict)}">${x(text)}</failure>\n    </testcase>`;
    }
    case 'skipped': {
      const why = r.expectedFailure
        ? `expected failure (--expect-fail): ${observed}`
        : `${r.verdict}: ${observed}`;
      return `${open}>\n      <skipped message="${x(oneLine(why))}"/>\n      <system-out>${x(text)}</system-out>\n    </testcase>`;
    }
    case 'passed': {
      if (r.verdict === 'PASS') return `${open}/>`;
      const note =
        r.verdict === 'NON-STRICT'
          ? 'NON-STRICT: a SHOULD was missed; not a failure unless the run is --strict.'
          : 'INFO: a measurement, no requirement.';
      return `${open}>\n      <system-out>${x(`${note}\n${text}`)}</system-out>\n    </testcase>`;
    }
  }
}

function timestamp(s: string | undefined): string | undefined {
  return s && /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d/.test(s) ? s.slice(0, 19) : undefined;
}

function suiteOf(r: CaseResult): string {
  return r.suite || r.id.split('/')[0];
}

/** junit.xml for one run, or several runs (one set of testsuites each, named by implementation). */
export function renderJunit(input: RunReport | readonly RunReport[]): string {
  const reports: readonly RunReport[] = Array.isArray(input) ? input : [input as RunReport];
  const merged = reports.length > 1;
  const suites: string[] = [];
  let tests = 0;
  let failures = 0;
  let skipped = 0;
  let totalMs = 0;
  for (const report of reports) {
    const gate = gateOptionsOf(report);
    const impl = `${report.implementation?.name ?? 'unknown'} ${report.implementation?.version ?? ''}`.trim();
    const bySuite = new Map<string, CaseResult[]>();
    for (const r of report.results) {
      const s = suiteOf(r);
      const list = bySuite.get(s) ?? [];
      list.push(r);
      bySuite.set(s, list);
    }
    for (const [suite, results] of bySuite) {
      const outcomes = results.map((r) => outcome(r, gate));
      const f = outcomes.filter((o) => o === 'failure').length;
      const s = outcomes.filter((o) => o === 'skipped').length;
      tests += results.length;
      failures += f;
      skipped += s;
      const suiteMs = results.reduce((a, r) => a + (r.durationMs ?? 0), 0);
      totalMs += suiteMs;
      const name = merged ? `${impl}: ${suite}` : suite;
      const classname = merged ? `gossipcheck.${impl}.${suite}` : `gossipcheck.${suite}`;
      const ts = timestamp(report.startedAt);
      const props = [
        ['implementation', report.implementation?.name ?? ''],
        ['implementation.version', report.implementation?.version ?? ''],
        ['seed', String(report.seed)],
        ['kit.version', report.kit?.version ?? ''],
        ['command', report.command ?? ''],
        ['strict', String(gate.strict)],
        ['allow-inconclusive', String(gate.allowInconclusive)],
      ]
        .map(([k, v]) => `      <property name="${x(k)}" value="${x(v)}"/>`)
        .join('\n');
      suites.push(
        `  <testsuite name="${x(name)}" tests="${results.length}" failures="${f}" errors="0" skipped="${s}" time="${secs(suiteMs)}"${ts ? ` timestamp="${x(ts)}"` : ''}>\n    <properties>\n${props}\n    </properties>\n${results.map((r) => testcase(r, classname, gate)).join('\n')}\n  </testsuite>`,
      );
    }
  }
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="gossipcheck" tests="${tests}" failures="${failures}" errors="0" skipped="${skipped}" time="${secs(totalMs)}">\n${suites.join('\n')}\n</testsuites>\n`;
}
