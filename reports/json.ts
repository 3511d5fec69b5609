// report.json: the RunReport as it is (case ids, levels, verdicts, evidence,
// seeds, history and counterexample paths), two-space indented, newline-ended.
import type { RunReport } from '../suites/result.js';

export function renderJson(report: RunReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}
