// index.html for a report: see html/page.ts (layout), html/plots.ts (figures),
// svg/*.ts (drawing) and html/assets.ts (the page's CSS, script and CSP).

import type { RunReport } from '../suites/result.js';
import type { LoadedHistory } from './histories.js';
import { type RenderRun, renderPage } from './html/page.js';

export { escapeHtml } from './escape.js';
export type { RenderRun } from './html/page.js';

/** The page for one run; `histories` are the files its results reference, by report-relative path. */
export function renderHtml(report: RunReport, histories?: Map<string, LoadedHistory>): string {
  return renderPage({ report, histories });
}

/** One page for several runs, one matrix column each. */
export function renderMergedHtml(runs: readonly RenderRun[]): string {
  return renderPage(runs);
}
