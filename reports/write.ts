// Writes a report directory: report.json, junit.xml and index.html (plus a
// markdown summary when asked). Histories and counterexamples are written by
// the run as it goes; the page reads the histories its results reference from
// `dir` to draw its figures (a missing or unreadable one is noted, not fatal).
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { RunReport } from '../suites/result.js';
import { loadHistories } from './histories.js';
import { renderHtml } from './html.js';
import { renderJson } from './json.js';
import { renderJunit } from './junit.js';
import { renderSummary } from './summary.js';

export interface WriteOptions {
  /** Also write the markdown summary (for a CI step summary) to this file. */
  summary?: string;
}

export async function writeReportDir(dir: string, report: RunReport, opts: WriteOptions = {}): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'report.json'), renderJson(report));
  await writeFile(join(dir, 'junit.xml'), renderJunit(report));
  const histories = await loadHistories(dir, report);
  await writeFile(join(dir, 'index.html'), renderHtml(report, histories));
  if (opts.summary) await writeSummary(opts.summary, renderSummary(report));
}

export async function writeSummary(file: string, markdown: string): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, markdown);
}
