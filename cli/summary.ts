// What every command prints at the end of a run, from its report alone: a
// headline, a suite x verdict table, the cases worth a line, the warnings
// and the report path on stdout (the gate's own lines are checks/gate.ts
// gateLines, printed by cli/gate-flags.ts). No ANSI codes.
import { gateOptionsOf, gating, reasonOf } from '../checks/gate.js';
import { VERDICT_ORDER, type VerdictKind } from '../checks/verdict.js';
import { failureGroups, groupLine } from '../reports/failure-groups.js';
import { placementLine, type RunReport, transportLine } from '../suites/result.js';

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

export interface SummaryOptions {
  /** Where the HTML report is. */
  reportPath: string;
  elapsedMs: number;
  /** Worker processes (`run` only). */
  jobs?: number;
  /**
   * A line for every case, not only the gating and INCONCLUSIVE ones: for
   * runs whose cases are each one verdict on one history (chaos, Maelstrom).
   */
  everyCase?: boolean;
}

export function summaryLines(report: RunReport, o: SummaryOptions): string[] {
  const t = report.totals;
  const impl = [report.implementation.name, report.implementation.version].filter(Boolean).join(' ');
  const jobs = o.jobs === undefined ? '' : ` (${o.jobs} job${o.jobs === 1 ? '' : 's'})`;
  const lines = [
    `gossipcheck ${report.kit.version}: ${impl}, seed ${report.seed}: ${report.results.length} cases in ${seconds(o.elapsedMs)}${jobs}`,
  ];
  if (report.status && report.status !== 'completed')
    lines.push(`run ${report.status}: ${(report.statusReason ?? '').split('\n')[0]}`);
  if (report.transport) lines.push(`transport: ${transportLine(report.transport)}`);
  for (const p of report.placement ?? []) lines.push(`host ${placementLine(p)}`);
  const shown = VERDICT_ORDER.filter((v) => t[v] > 0 || v === 'FAIL' || v === 'PASS');
  const suites = [...new Set(report.results.map((r) => r.suite))];
  const width = Math.max(5, ...suites.map((s) => s.length));
  const cell = (v: VerdictKind, n: number | string) => String(n).padStart(Math.max(v.length, 3));
  lines.push(`${'suite'.padEnd(width)}  ${shown.map((v) => cell(v, v)).join('  ')}`);
  for (const s of suites) {
    const rs = report.results.filter((r) => r.suite === s);
    lines.push(
      `${s.padEnd(width)}  ${shown.map((v) => cell(v, rs.filter((r) => r.verdict === v).length)).join('  ')}`,
    );
  }
  lines.push(`${'total'.padEnd(width)}  ${shown.map((v) => cell(v, t[v])).join('  ')}`);
  for (const r of report.results) {
    if (!o.everyCase && !gating(r, gateOptionsOf(report)) && r.verdict !== 'INCONCLUSIVE') continue;
    const known = r.expectedFailure ? ' (expected)' : '';
    // An INCONCLUSIVE case says why it judged nothing: the first unjudged check's reason.
    lines.push(`${r.verdict}${known} ${r.id} [${r.variant}]: ${reasonOf(r)}`);
    const cx = r.counterexample;
    if (cx) lines.push(`  replay: ${cx.replay}  (fast-check seed ${cx.seed}, path "${cx.path}")`);
  }
  // Several failures: which checks broke, each with its smallest counterexample.
  const groups = failureGroups(report.results);
  if (groups.reduce((k, g) => k + g.cases.length, 0) > 1) {
    lines.push(`failures by check (${groups.length}):`);
    for (const g of groups) lines.push(`  ${groupLine(g)}`);
  }
  for (const w of report.warnings ?? []) lines.push(`warning: ${w}`);
  lines.push(`report: ${o.reportPath}`);
  return lines;
}

/** Prints the summary on stdout. */
export function printSummary(report: RunReport, o: SummaryOptions): void {
  process.stdout.write(`${summaryLines(report, o).join('\n')}\n`);
}
