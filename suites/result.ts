// What a case leaves behind: its verdict over all its runs, the checks it
// tallied, its counterexample. Produced here (suites/property.ts, graded by
// checks/grade.ts; the realtime and Maelstrom runs), rendered by reports/.
import type { CheckTally } from '../checks/grade.js';
import type { Verdict } from '../checks/verdict.js';
import type { Variant } from '../proto/contract.js';

/** A failing property run, shrunk by fast-check, replayable by `gossipcheck replay FILE`. */
export interface Counterexample {
  /** fast-check's seed and path: `fc.assert(prop, { seed, path })` re-runs it. */
  seed: number;
  path: string;
  /** Report-dir relative path of the saved counterexample JSON. */
  file: string;
  /** The exact command that re-runs this case with this input. */
  replay: string;
  /** Report-dir relative path of the shrunk run's history (JSONL). */
  history: string;
}

export type { CheckTally };

export interface CaseResult extends Verdict {
  /** The suite: the first segment of `id` ("convergence", "bounds", ...). */
  suite: string;
  variant: Variant;
  /** The fixed scenario an example-based check ran in, if any. */
  scenario?: string;
  /** Property runs made (1 for example-based cases). */
  runs: number;
  /** For a case, `judged` counts its runs in which at least one check judged something. */
  judged: number;
  /** Per check: its worst verdict and how much it judged. */
  checks?: CheckTally[];
  /** What the generated inputs covered: feature -> value bucket -> inputs (suites/input-stats.ts). */
  explored?: Record<string, Record<string, number>>;
  /** The seed the case's property ran with. */
  seed: number;
  /** Wall-clock time the case took (generation, runs, shrinking). */
  durationMs?: number;
  /** Report-dir relative path of a representative history (the first run, or the counterexample). */
  history?: string;
  counterexample?: Counterexample;
  /** Listed in --expect-fail: shown as a known failure; does not fail the gate. */
  expectedFailure?: boolean;
}
