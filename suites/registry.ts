// Every case of every suite, in report order. `gossipcheck list` prints this
// without running anything.
import { BOUNDS_CASES } from './cases/bounds.js';
import { CONTRACT_CASES } from './cases/contract.js';
import { CONVERGENCE_CASES } from './cases/convergence.js';
import { PUSHSUM_CASES } from './cases/pushsum.js';
import { ROBUSTNESS_CASES } from './cases/robustness.js';
import { SIR_CASES } from './cases/sir.js';
import type { CaseDef } from './model.js';

/** Inputs are JSON: a case only ever receives what its own arbitrary made (or a saved copy of it). */
const erase = <I>(cases: CaseDef<I>[]): CaseDef<unknown>[] => cases as unknown as CaseDef<unknown>[];

export const SUITES = {
  convergence: erase(CONVERGENCE_CASES),
  bounds: erase(BOUNDS_CASES),
  sir: erase(SIR_CASES),
  pushsum: erase(PUSHSUM_CASES),
  robustness: erase(ROBUSTNESS_CASES),
  contract: erase(CONTRACT_CASES),
} as const;

export type SuiteName = keyof typeof SUITES;
export const SUITE_NAMES = Object.keys(SUITES) as SuiteName[];
export const ALL_CASES: CaseDef<unknown>[] = SUITE_NAMES.flatMap((s) => SUITES[s]);

export function findCase(id: string): CaseDef<unknown> | undefined {
  return ALL_CASES.find((c) => c.id === id);
}

/** A case is selected when no filter is given or its id starts with one of the prefixes. */
export function selected(id: string, suites: readonly string[], prefixes: readonly string[]): boolean {
  const suite = id.split('/')[0];
  if (suites.length && !suites.includes(suite)) return false;
  return (
    prefixes.length === 0 || prefixes.some((p) => id === p || id.startsWith(p.endsWith('/') ? p : `${p}`))
  );
}
