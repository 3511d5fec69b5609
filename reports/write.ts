// Writes a report directory: report.json and index.html. Histories and
// counterexamples are written by the run as it goes; the report links them.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { renderHtml } from './html.js';
import type { RunReport } from './model.js';

export async function writeReportDir(dir: string, report: RunReport): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'report.json'), `${JSON.stringify(report, null, 2)}\n`);
  await writeFile(join(dir, 'index.html'), renderHtml(report));
}
