// `gossipcheck report DIR...`: several report directories (several
// implementations, or several versions of one) merged into one matrix.
//
// An input directory holds report.json (one run, written by `gossipcheck run`)
// or merged.json (several, written by an earlier merge). One run in all is
// written as a plain report directory; several as a merged one:
//   merged.json  { "runs": [ { "source": DIR, "report": RunReport } ] }
//   runs/<k>/... every history and counterexample file run k references,
//                copied, its paths in merged.json rewritten to point there
//   junit.xml, index.html (one column per run), and the summary if asked.
import { access, copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { countVerdicts } from '../checks/gate.js';
import { VERDICT_ORDER } from '../checks/verdict.js';
import type { CaseResult, RunReport, RunStatus } from '../suites/result.js';
import { type LoadedHistory, loadHistories, safeRelativePath } from './histories.js';
import { renderMergedHtml } from './html.js';
import { renderJunit } from './junit.js';
import { renderMatrixMarkdown } from './matrix.js';
import { renderSummary } from './summary.js';
import { writeReportDir, writeSummary } from './write.js';

/** Bad input: a missing directory, no report file, a file that is not a report. */
export class ReportInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ReportInputError';
  }
}

/** One run and the directory its relative paths are relative to. */
export interface SourceRun {
  dir: string;
  report: RunReport;
}

const VERDICTS: ReadonlySet<string> = new Set<string>(VERDICT_ORDER);

/** Checks the shape a page needs; throws ReportInputError naming the first problem. */
export function validateReport(value: unknown, where: string): RunReport {
  const fail = (why: string): never => {
    throw new ReportInputError(`${where}: not a gossipcheck report (${why})`);
  };
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail('not a JSON object');
  const r = value as Partial<RunReport>;
  if (typeof r.implementation !== 'object' || r.implementation === null) fail('no implementation');
  if (typeof r.implementation?.name !== 'string') fail('implementation.name is not a string');
  if (typeof r.implementation?.version !== 'string') fail('implementation.version is not a string');
  if (!Array.isArray(r.results)) fail('no results array');
  const t = r.transport as Partial<Record<string, unknown>> | undefined;
  if (t !== undefined) {
    if (typeof t !== 'object' || t === null || typeof t.path !== 'string') fail('transport has no path');
    for (const k of [
      'unaryCalls',
      'sessionCalls',
      'roundCalls',
      'roundsPlayed',
      'roundsByCall',
      'fallbacks',
      'streams',
    ])
      if (!Number.isSafeInteger(t?.[k])) fail(`transport.${k} is not a whole number`);
  }
  r.results?.forEach((c: Partial<CaseResult>, i) => {
    if (typeof c !== 'object' || c === null) fail(`results[${i}] is not an object`);
    if (typeof c.id !== 'string') fail(`results[${i}].id is not a string`);
    if (typeof c.variant !== 'string') fail(`results[${i}].variant is not a string`);
    if (typeof c.verdict !== 'string' || !VERDICTS.has(c.verdict))
      fail(`results[${i}].verdict is not a verdict`);
    if (typeof c.evidence !== 'object' || c.evidence === null) fail(`results[${i}].evidence is missing`);
    if (!Array.isArray(c.evidence?.details)) fail(`results[${i}].evidence.details is not an array`);
  });
  return r as RunReport;
}

async function readJson(file: string): Promise<unknown> {
  const text = await readFile(file, 'utf8');
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new ReportInputError(`${file}: not valid JSON (${(err as Error).message})`);
  }
}

async function exists(file: string): Promise<boolean> {
  try {
    await access(file);
    return true;
  } catch {
    return false;
  }
}

/** The runs of one input directory. */
export async function readReportDir(dir: string): Promise<SourceRun[]> {
  if (!(await exists(dir))) throw new ReportInputError(`${dir}: no such directory`);
  const single = join(dir, 'report.json');
  const merged = join(dir, 'merged.json');
  if (await exists(single)) return [{ dir, report: validateReport(await readJson(single), single) }];
  if (await exists(merged)) {
    const value = (await readJson(merged)) as { runs?: unknown };
    if (!value || !Array.isArray(value.runs)) throw new ReportInputError(`${merged}: no runs array`);
    return value.runs.map((run: { report?: unknown }, i: number) => ({
      dir,
      report: validateReport(run?.report, `${merged} runs[${i}]`),
    }));
  }
  throw new ReportInputError(
    `${dir}: no report.json (or merged.json) in it; is it a gossipcheck report directory?`,
  );
}

/** Copies `rel` from `from` to `to/prefix/rel` and returns the new relative path (or `rel` unchanged when unsafe). */
async function carry(
  from: string,
  to: string,
  prefix: string,
  rel: string | undefined,
): Promise<string | undefined> {
  if (rel === undefined) return undefined;
  const safe = safeRelativePath(rel);
  if (!safe) return rel;
  const target = prefix ? `${prefix}/${safe}` : safe;
  if (resolve(from, safe) !== resolve(to, target)) {
    try {
      await mkdir(dirname(join(to, target)), { recursive: true });
      await copyFile(join(from, safe), join(to, target));
    } catch {
      // missing in the source: the page notes it when it cannot read it
    }
  }
  return target;
}

/** `report` with every file it references copied into `out/prefix`, paths rewritten. */
async function relocate(src: SourceRun, out: string, prefix: string): Promise<RunReport> {
  const results: CaseResult[] = [];
  for (const r of src.report.results) {
    const copy: CaseResult = { ...r };
    if (r.history !== undefined) copy.history = await carry(src.dir, out, prefix, r.history);
    if (r.counterexample) {
      copy.counterexample = {
        ...r.counterexample,
        file: (await carry(src.dir, out, prefix, r.counterexample.file)) ?? r.counterexample.file,
        history: (await carry(src.dir, out, prefix, r.counterexample.history)) ?? r.counterexample.history,
      };
    }
    results.push(copy);
  }
  return { ...src.report, results };
}

export interface MergeOptions {
  summary?: string;
  /** Also write the case × implementation matrix in markdown to this file. */
  matrix?: string;
  /** Runs of one implementation (same name and version) become one column. */
  combine?: boolean;
}

const STATUS_ORDER: readonly RunStatus[] = ['harness-error', 'aborted', 'deadline', 'completed'];

/**
 * Runs of one implementation (same name and version) as one report, in input
 * order: e.g. its lockstep suites and its realtime runs, one per variant. A
 * case and variant judged in several runs keeps its worst verdict first (the
 * one a matrix cell shows); the others stay in the report.
 */
export function combineRuns(reports: readonly RunReport[]): RunReport[] {
  const groups = new Map<string, RunReport[]>();
  for (const r of reports) {
    const key = `${r.implementation.name}\u0000${r.implementation.version}`;
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  return [...groups.values()].map((group) => {
    if (group.length === 1) return group[0];
    const rank = (r: CaseResult) => VERDICT_ORDER.indexOf(r.verdict);
    const key = (r: CaseResult) => `${r.id}\u0000${r.variant}`;
    const all = group.flatMap((r) => r.results);
    const leader = new Map<string, CaseResult>();
    for (const r of all) {
      const l = leader.get(key(r));
      if (!l || rank(r) < rank(l)) leader.set(key(r), r);
    }
    // Leaders first (in input order), so a matrix cell shows the worst; the rest follow.
    const results = [
      ...all.filter((r) => leader.get(key(r)) === r),
      ...all.filter((r) => leader.get(key(r)) !== r),
    ];
    const status = STATUS_ORDER.find((st) => group.some((r) => (r.status ?? 'completed') === st));
    const caps = group.find((r) => r.implementation.capabilities)?.implementation.capabilities ?? null;
    const first = group[0];
    return {
      ...first,
      implementation: { ...first.implementation, capabilities: caps },
      command: group.map((r) => r.command).join('\n'),
      startedAt: group.map((r) => r.startedAt).sort()[0],
      ...(group.every((r) => r.finishedAt)
        ? {
            finishedAt: group
              .map((r) => r.finishedAt!)
              .sort()
              .at(-1),
          }
        : {}),
      ...(status && status !== 'completed'
        ? {
            status,
            statusReason: group
              .filter((r) => r.statusReason)
              .map((r) => r.statusReason)
              .join('; '),
          }
        : { status: undefined, statusReason: undefined }),
      warnings: group.flatMap((r) => r.warnings ?? []),
      nodeLogs: group.flatMap((r) => r.nodeLogs ?? []),
      results,
      totals: countVerdicts(results),
    };
  });
}

/** Reads every input directory and writes the merged report to `out`; returns the runs written. */
export async function mergeReportDirs(
  inputs: readonly string[],
  out: string,
  opts: MergeOptions = {},
): Promise<RunReport[]> {
  if (inputs.length === 0) throw new ReportInputError('no report directory given');
  const sources: SourceRun[] = [];
  for (const dir of inputs) sources.push(...(await readReportDir(dir)));
  if (sources.length === 0) throw new ReportInputError('the inputs hold no runs');
  await mkdir(out, { recursive: true });
  if (sources.length === 1) {
    const report = await relocate(sources[0], out, '');
    await writeReportDir(out, report, opts);
    if (opts.matrix) await writeSummary(opts.matrix, renderMatrixMarkdown([report]));
    return [report];
  }
  if (inputs.some((d) => resolve(d) === resolve(out))) {
    throw new ReportInputError(
      `--out ${out} is one of the inputs; merging several runs needs a directory of its own`,
    );
  }
  const runs: { source: string; report: RunReport }[] = [];
  for (let k = 0; k < sources.length; k++) {
    runs.push({ source: resolve(sources[k].dir), report: await relocate(sources[k], out, `runs/${k + 1}`) });
  }
  const reports = opts.combine ? combineRuns(runs.map((r) => r.report)) : runs.map((r) => r.report);
  await writeFile(join(out, 'merged.json'), `${JSON.stringify({ runs }, null, 2)}\n`);
  await writeFile(join(out, 'junit.xml'), renderJunit(reports));
  const rendered: { report: RunReport; histories: Map<string, LoadedHistory> }[] = [];
  for (const report of reports) rendered.push({ report, histories: await loadHistories(out, report) });
  await writeFile(join(out, 'index.html'), renderMergedHtml(rendered));
  if (opts.summary) await writeSummary(opts.summary, renderSummary(reports));
  if (opts.matrix) await writeSummary(opts.matrix, renderMatrixMarkdown(reports));
  return reports;
}
