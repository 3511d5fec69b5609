// The case × implementation matrix: one row per (case, variant) any run
// reported, one column per run, each cell the run's result for it. The HTML
// page (reports/html/page.ts) and the markdown matrix `npm run conformance`
// writes for the docs (`gossipcheck report --matrix FILE`) are built from it.
import type { RunReport } from '../suites/result.js';
import { mdCell, mdCode } from './summary.js';

export interface MatrixRow {
  id: string;
  variant: string;
  suite: string;
  /** Per column: the result's index in that run, or -1. */
  cells: number[];
}

export function matrixRows(reports: readonly RunReport[]): MatrixRow[] {
  const rows = new Map<string, MatrixRow>();
  reports.forEach((report, col) => {
    report.results.forEach((r, i) => {
      const key = `${r.id}\u0000${r.variant}`;
      let row = rows.get(key);
      if (!row) {
        row = {
          id: r.id,
          variant: r.variant,
          suite: r.suite ?? r.id.split('/')[0],
          cells: reports.map(() => -1),
        };
        rows.set(key, row);
      }
      if (row.cells[col] === -1) row.cells[col] = i;
    });
  });
  return [...rows.values()];
}

/** A column's label: the implementation's name and version. */
export const columnLabel = (r: RunReport): string =>
  `${r.implementation?.name ?? 'unknown'} ${r.implementation?.version ?? ''}`.trim();

/**
 * The matrix in markdown, rows in first-seen order: a cell is the verdict
 * (`*` for a listed expected failure), and for anything but PASS the observed
 * evidence, shortened, so the reason is in the cell; `—` where the column's
 * run did not report the case.
 */
export function renderMatrixMarkdown(reports: readonly RunReport[]): string {
  const rows = matrixRows(reports);
  const started =
    reports
      .map((r) => r.startedAt ?? '')
      .filter(Boolean)
      .sort()[0] ?? 'unknown';
  const heading = [
    '# Conformance matrix (generated)',
    '',
    `Written by \`gossipcheck report --matrix\` (\`npm run conformance\` writes this file); do not edit it by hand. ${reports.length} column(s), runs started ${mdCell(started)}; per column, the commands of its runs:`,
    '',
    ...reports.map(
      (r) =>
        `- ${mdCell(columnLabel(r))}: ${(r.command ?? '')
          .split('\n')
          .map((c) => mdCode(c))
          .join(', then ')}`,
    ),
  ].join('\n');
  const cell = (report: RunReport, idx: number) => {
    if (idx < 0) return '—';
    const r = report.results[idx];
    const verdict = `${r.verdict === 'PASS' ? 'PASS' : `**${r.verdict}**`}${r.expectedFailure ? '*' : ''}`;
    return r.verdict === 'PASS' ? verdict : `${verdict}: ${mdCell(r.evidence?.observed ?? '', 80)}`;
  };
  const lines = [
    heading,
    '',
    `| case | variant | ${reports.map((r) => mdCell(columnLabel(r))).join(' | ')} |`,
    `| --- | --- | ${reports.map(() => '---').join(' | ')} |`,
    ...rows.map(
      (row) =>
        `| ${mdCode(row.id)} | ${mdCell(row.variant)} | ${row.cells.map((idx, col) => cell(reports[col], idx)).join(' | ')} |`,
    ),
  ];
  return `${lines.join('\n')}\n`;
}
