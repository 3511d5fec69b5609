// What `gossipcheck run` prints: a progress line on a terminal (stderr),
// nothing per case otherwise; then a summary on stdout and, when the gate
// fails, one line on stderr. No ANSI codes unless stderr is a terminal.

import { gateOptionsOf, gating, reasonOf } from '../../checks/gate.js';
import { VERDICT_ORDER, type VerdictKind } from '../../checks/verdict.js';
import type { CaseResult, RunReport } from '../../reports/model.js';

export class Progress {
  private done = 0;
  private failed = 0;
  private readonly tty = process.stderr.isTTY === true;

  constructor(private total = 0) {}

  setTotal(total: number): void {
    this.total = total;
  }

  started(label: string): void {
    if (!this.tty) return;
    const line = `[${this.done}/${this.total}]${this.failed ? ` ${this.failed} failed` : ''} ${label}`;
    process.stderr.write(`\r\x1b[K${line.slice(0, (process.stderr.columns ?? 80) - 1)}`);
  }

  finished(r: CaseResult): void {
    this.done++;
    if (r.verdict === 'FAIL') this.failed++;
  }

  clear(): void {
    if (this.tty) process.stderr.write('\r\x1b[K');
  }
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** The summary: totals, a suite x verdict table, each gating or notable case, the report path. */
export function summaryLines(
  report: RunReport,
  reportPath: string,
  jobs: number,
  elapsedMs: number,
): string[] {
  const t = report.totals;
  const lines = [
    `gossipcheck ${report.kit.version}: ${report.implementation.name} ${report.implementation.version}, seed ${report.seed}: ${report.results.length} cases in ${seconds(elapsedMs)} (${jobs} job${jobs === 1 ? '' : 's'})`,
  ];
  if (report.status && report.status !== 'completed')
    lines.push(`run ${report.status}: ${(report.statusReason ?? '').split('\n')[0]}`);
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
    const gate = gating(r, gateOptionsOf(report));
    if (!gate && r.verdict !== 'INCONCLUSIVE') continue;
    const known = r.expectedFailure ? ' (expected)' : '';
    // An INCONCLUSIVE case says why it judged nothing: the first unjudged check's reason.
    lines.push(`${r.verdict}${known} ${r.id} [${r.variant}]: ${reasonOf(r)}`);
    const cx = r.counterexample;
    if (cx) lines.push(`  replay: ${cx.replay}  (fast-check seed ${cx.seed}, path "${cx.path}")`);
  }
  for (const w of report.warnings ?? []) lines.push(`warning: ${w}`);
  lines.push(`report: ${reportPath}`);
  return lines;
}
