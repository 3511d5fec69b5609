// Every case of every suite, in report order. `gossipcheck list` prints this
// without running anything.
import { BOUNDS_CASES } from './cases/bounds.js';
import { CONTRACT_CASES } from './cases/contract.js';
import { CONVERGENCE_CASES } from './cases/convergence.js';
import { MEMBERSHIP_CASES } from './cases/membership.js';
import { PUSHSUM_CASES } from './cases/pushsum.js';
import { IDEMPOTENCE_CASES, REJECTION_CASES } from './cases/robustness.js';
import { SCALE_CASES } from './cases/scale.js';
import { SIR_CASES } from './cases/sir.js';
import type { CaseDef } from './model.js';

/** Inputs are JSON: a case only ever receives what its own arbitrary made (or a saved copy of it). */
const erase = <I>(cases: CaseDef<I>[]): CaseDef<unknown>[] => cases as unknown as CaseDef<unknown>[];

export const SUITES = {
  convergence: erase(CONVERGENCE_CASES),
  bounds: erase(BOUNDS_CASES),
  sir: erase(SIR_CASES),
  pushsum: erase(PUSHSUM_CASES),
  robustness: [...erase(REJECTION_CASES), ...erase(IDEMPOTENCE_CASES)],
  contract: erase(CONTRACT_CASES),
  membership: erase(MEMBERSHIP_CASES),
  scale: erase(SCALE_CASES),
} as const;

export type SuiteName = keyof typeof SUITES;
export const SUITE_NAMES = Object.keys(SUITES) as SuiteName[];
export const ALL_CASES: CaseDef<unknown>[] = SUITE_NAMES.flatMap((s) => SUITES[s]);

/**
 * Suites run only when asked for (`--suite scale`, or a --case prefix of
 * theirs): a run of scale/* takes seconds at n = 10,000, so the default gate
 * (every other suite, `--runs 10`) leaves it out.
 */
export const OPT_IN_SUITES: readonly string[] = ['scale'];

export function findCase(id: string): CaseDef<unknown> | undefined {
  return ALL_CASES.find((c) => c.id === id);
}

/**
 * A prefix selects an id when it is the whole id or ends on a path segment:
 * `convergence` and `convergence/` select `convergence/no-faults`,
 * `convergence/no` does not.
 */
export function matchesPrefix(id: string, prefixes: readonly string[]): boolean {
  return (
    prefixes.length === 0 || prefixes.some((p) => id === p || id.startsWith(p.endsWith('/') ? p : `${p}/`))
  );
}

/**
 * A case is selected when its suite is one asked for (or none is) and a
 * prefix selects its id; an opt-in suite's case only when its suite or a
 * prefix is asked for.
 */
export function selected(id: string, suites: readonly string[], prefixes: readonly string[]): boolean {
  const suite = id.split('/')[0];
  if (suites.length && !suites.includes(suite)) return false;
  if (OPT_IN_SUITES.includes(suite) && !suites.includes(suite) && prefixes.length === 0) return false;
  return matchesPrefix(id, prefixes);
}
