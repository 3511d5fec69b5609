// The flags of every command that runs properties over generated inputs
// (lockstep `run`, the realtime suites, `run --maelstrom`): one parse, one
// default, one unit each.
import { durationFlag, intFlag } from './usage.js';

/** Generated runs per property (the lockstep suites: per case and variant). */
export const runsFlag = (raw: string | undefined): number => intFlag('runs', raw, 10, 1, 100_000);

/** Wall-clock ms shrinking one failure may take: seconds when bare, 0 skips shrinking. */
export const shrinkBudgetFlag = (raw: string | undefined): number =>
  durationFlag('shrink-budget', raw, { bare: 's', fallbackMs: 90_000, minMs: 0, maxMs: 3_600_000 });

export const SHRINK_BUDGET_HELP = 'wall-clock seconds shrinking one failure may take (default 90; 0: none)';
