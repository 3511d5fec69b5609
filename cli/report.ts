// `gossipcheck report DIR... [--out DIR] [--summary FILE]`: (re)renders and
// merges report directories into one case × implementation matrix. Bad input
// (a missing directory, no report.json, bad JSON) is a UsageError: exit 2
// with a one-line reason.
import { mergeReportDirs, ReportInputError } from '../reports/merge.js';
import { parseFlags, printHelp, UsageError } from './usage.js';

const HELP = `usage: gossipcheck report DIR... [--out DIR] [--summary FILE] [--matrix FILE] [--combine]

Merges the report directories DIR... (each written by \`gossipcheck run\`, or by
an earlier \`gossipcheck report\`) into one report: index.html with one matrix
column per run, junit.xml, and merged.json (report.json when there is only one
run). The histories and counterexamples the runs reference are copied along.

  --out DIR        where to write (default: DIR itself when one is given,
                   else gossipcheck-report-merged)
  --summary FILE   also write a markdown summary (for a CI step summary)
  --matrix FILE    also write the case × implementation matrix in markdown
                   (npm run conformance writes docs/conformance-matrix.md)
  --combine        one column per implementation (name and version): its runs
                   (lockstep suites, realtime runs per variant) side by side;
                   where two runs judged one case and variant, the cell shows
                   the worse verdict
  -h, --help       this help

Exit code 0 when the report was written, 2 on bad input.`;

export async function reportCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags(
    argv,
    {
      out: { type: 'string' },
      summary: { type: 'string' },
      matrix: { type: 'string' },
      combine: { type: 'boolean' },
    },
    true,
  );
  if (printHelp(values, HELP)) return 0;
  if (positionals.length === 0) throw new UsageError('report needs at least one report directory (DIR...)');
  if (values.out === '') throw new UsageError('--out needs a directory');
  if (values.summary === '') throw new UsageError('--summary needs a file');
  if (values.matrix === '') throw new UsageError('--matrix needs a file');
  const out = values.out ?? (positionals.length === 1 ? positionals[0] : 'gossipcheck-report-merged');
  try {
    const runs = await mergeReportDirs(positionals, out, {
      summary: values.summary,
      matrix: values.matrix,
      combine: values.combine === true,
    });
    process.stdout.write(`report: ${runs.length} run(s) -> ${out}/index.html\n`);
    return 0;
  } catch (err) {
    if (err instanceof ReportInputError) throw new UsageError(err.message);
    throw err;
  }
}
