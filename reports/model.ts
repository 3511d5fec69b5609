// What a run leaves behind, as data. Reports render this; they never
// recompute verdicts.

import type { VerdictKind } from '../checks/verdict.js';
import type { Capabilities } from '../proto/contract.js';
import type { CaseResult } from '../suites/result.js';

// A case's result is the suites' product (suites/result.ts); reports take it as it is.
export type { CaseResult, CheckTally, Counterexample } from '../suites/result.js';

/**
 * completed: every selected case ran. aborted: Ctrl-C / SIGTERM stopped it.
 * deadline: --deadline passed. harness-error: the kit itself broke (exit 2).
 */
export type RunStatus = 'completed' | 'aborted' | 'deadline' | 'harness-error';

export interface RunReport {
  kit: { name: 'gossipcheck'; version: string };
  implementation: { name: string; version: string; capabilities: Capabilities | null };
  seed: number;
  /** The exact command line that re-runs the whole thing. */
  command: string;
  /** When the run started and ended (ISO 8601). */
  startedAt: string;
  finishedAt?: string;
  /** Absent = completed (reports written before statuses existed). */
  status?: RunStatus;
  /** What broke, for status harness-error / aborted / deadline. */
  statusReason?: string;
  /** Things the user should know that are not verdicts (e.g. --expect-fail entries that match nothing). */
  warnings?: string[];
  /** Report-dir relative paths of the IUT processes' stdout + stderr. */
  nodeLogs?: string[];
  results: CaseResult[];
  totals: Record<VerdictKind, number>;
  /**
   * The gate options the run used (checks/gate.ts): --strict (a NON-STRICT or
   * a stale --expect-fail entry fails it) and --allow-inconclusive (an
   * INCONCLUSIVE MUST does not). junit.xml and the summaries gate alike.
   * Absent = false.
   */
  strict?: boolean;
  allowInconclusive?: boolean;
}
