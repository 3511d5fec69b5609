// A markdown summary for a CI step summary (GitHub's $GITHUB_STEP_SUMMARY,
// GitLab/Gitea job summaries): totals per run, then every FAIL, NON-STRICT and
// gating INCONCLUSIVE with its evidence and replay command. IUT strings are escaped for markdown
// and inline HTML (step summaries render both), table cells lose their pipes
// and newlines, and the list is capped so the summary stays small.
import { countVerdicts, type GateOptions, gateExitCode, gateOptionsOf, gating } from '../checks/gate.js';
import { VERDICT_ORDER } from '../checks/verdict.js';
import type { CaseResult, RunReport } from '../suites/result.js';

/** Most failing cases listed per run. */
export const MAX_LISTED = 50;
const MAX_CELL = 300;

/** Text safe inside a markdown table cell: HTML and markdown syntax escaped, one line. */
export function mdCell(s: unknown, max = MAX_CELL): string {
  let t = String(s ?? '')
    .replace(/\s+/g, ' ')
    .trim();
  if (t.length > max) t = `${t.slice(0, max - 1)}…`;
  return t
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/([\\`*_{}[\]()#+!|~])/g, '\\$1');
}

/** An inline code span that no backtick in `s` can close early. */
export function mdCode(s: unknown): string {
  const t = String(s ?? '')
    .replace(/\s+/g, ' ')
    .trim();
  const runs = t.match(/`+/g) ?? [];
  const fence = '`'.repeat(Math.max(0, ...runs.map((r) => r.length)) + 1);
  const pad = t.startsWith('`') || t.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${t}${pad}${fence}`;
}

/** FAIL, NON-STRICT (gating only with --strict, the heading says which) and what else gates. */
function listed(r: CaseResult, gate: GateOptions): boolean {
  return r.verdict === 'FAIL' || r.verdict === 'NON-STRICT' || gating(r, gate);
}

/** A code span inside a table cell: pipes escaped too (GFM splits cells before code spans). */
function cellCode(s: unknown): string {
  return mdCode(s).replace(/\|/g, '\\|');
}

function runSummary(report: RunReport, heading: string): string[] {
  const options = gateOptionsOf(report);
  const totals = countVerdicts(report.results);
  const gate = gateExitCode(report.results, options) === 0 ? 'passed' : 'failed';
  const flags = `${options.strict ? ' · --strict' : ''}${options.allowInconclusive ? ' · --allow-inconclusive' : ''}`;
  const impl = `${report.implementation?.name ?? 'unknown'} ${report.implementation?.version ?? ''}`.trim();
  const out = [
    `${heading} gossipcheck: ${mdCell(impl)} — gate ${gate}`,
    '',
    `kit ${mdCell(report.kit?.version)} · seed ${mdCell(report.seed)} · ${mdCell(report.startedAt)}${flags}`,
    '',
    `| ${VERDICT_ORDER.join(' | ')} |`,
    `| ${VERDICT_ORDER.map(() => '---:').join(' | ')} |`,
    `| ${VERDICT_ORDER.map((v) => totals[v]).join(' | ')} |`,
    '',
    `Re-run: ${mdCode(report.command)}`,
    '',
  ];
  const bad = report.results.filter((r) => listed(r, options));
  if (bad.length === 0) return out;
  out.push('| verdict | case | variant | expected | observed | replay |', '|---|---|---|---|---|---|');
  for (const r of bad.slice(0, MAX_LISTED)) {
    const verdict = `${r.verdict}${r.expectedFailure ? ' (expected)' : ''}`;
    const replay = r.counterexample ? cellCode(r.counterexample.replay) : '';
    out.push(
      `| ${verdict} | ${cellCode(r.id)} | ${mdCell(r.variant)} | ${mdCell(r.evidence?.expected)} | ${mdCell(r.evidence?.observed)} | ${replay} |`,
    );
  }
  if (bad.length > MAX_LISTED) out.push('', `… and ${bad.length - MAX_LISTED} more; see index.html.`);
  out.push('');
  return out;
}

/** The markdown summary of one run, or of several merged runs (one section each). */
export function renderSummary(input: RunReport | readonly RunReport[]): string {
  const reports: readonly RunReport[] = Array.isArray(input) ? input : [input as RunReport];
  if (reports.length === 1) return `${runSummary(reports[0], '##').join('\n')}\n`;
  const lines = [`## gossipcheck: ${reports.length} runs`, ''];
  for (const r of reports) lines.push(...runSummary(r, '###'));
  return `${lines.join('\n')}\n`;
}
