// Each run owns its --out: it writes into a staging directory beside it and
// swaps it in at the end, so nothing from an earlier run survives as if it
// were current, and an unwritable --out is known before any case runs. A
// directory that is not empty and not a gossipcheck report is never touched.
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { UsageError } from '../usage.js';

/** Written into every report directory: the mark that `--out` may replace it. */
export const REPORT_MARK = '.gossipcheck-report';

export interface OutDir {
  /** The directory the user named. */
  final: string;
  /** Where this run writes until `commit`. */
  staging: string;
  /** Replaces `final` with the staging directory. */
  commit(): void;
  /** Removes the staging directory (the run wrote nothing worth keeping). */
  discard(): void;
}

function isReportDir(dir: string): boolean {
  return existsSync(join(dir, REPORT_MARK)) || existsSync(join(dir, 'report.json'));
}

export function claimOutDir(out: string): OutDir {
  const final = resolve(out);
  if (existsSync(final)) {
    if (!statSync(final).isDirectory()) throw new UsageError(`--out ${out} exists and is not a directory`);
    if (readdirSync(final).length > 0 && !isReportDir(final))
      throw new UsageError(
        `--out ${out} is not empty and not a gossipcheck report directory; choose another`,
      );
  }
  const staging = join(dirname(final), `.${basename(final)}.staging-${process.pid}`);
  try {
    rmSync(staging, { recursive: true, force: true });
    mkdirSync(staging, { recursive: true });
    writeFileSync(join(staging, REPORT_MARK), 'written by gossipcheck; `--out` may replace this directory\n');
  } catch (err) {
    throw new UsageError(`--out ${out} is not writable: ${err instanceof Error ? err.message : String(err)}`);
  }
  return {
    final,
    staging,
    commit() {
      rmSync(final, { recursive: true, force: true });
      renameSync(staging, final);
    },
    discard() {
      rmSync(staging, { recursive: true, force: true });
    },
  };
}
