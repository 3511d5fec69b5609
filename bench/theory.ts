// Rounds to full spread from the literature, fanout 1, complete graph.
// push:      log2 n + ln n + O(1)          (Pittel 1987; Frieze & Grimmett 1985)
// push-pull: log3 n + O(ln ln n)           (Karp, Schindelhauer, Shenker, Vöcking 2000)
// The O-terms are given with constant 1 in `rounds`: a yardstick, not a bound.
// The band puts a constant on the remainder, which the papers leave open, so
// it is ours, not theirs: push ± 2 rounds around the yardstick; push-pull from
// log3 n up to log3 n + 2·ln ln n. A measurement outside it is a finding to
// look at, not a failure (the checks judge by checks/bounds.ts, far looser).
import type { InprocVariant } from './inproc.js';

export interface TheoryRow {
  variant: InprocVariant;
  n: number;
  /** Round in which the last node that learned the update learned it. */
  measured_rounds: number;
  /** Fraction of nodes reached (rumor mongering leaves a residue; anti-entropy reaches all). */
  reached: number;
  theory_rounds: number;
  formula: string;
  band: [number, number];
  in_band: boolean;
}

export interface Theory {
  rounds: number;
  formula: string;
  band: [number, number];
  bandFormula: string;
}

export function theoryRounds(variant: InprocVariant, n: number): Theory {
  const lnln = Math.log(Math.log(n));
  if (variant === 'anti-entropy-push-pull') {
    const log3 = Math.log(n) / Math.log(3);
    return {
      rounds: log3 + lnln,
      formula: 'log3 n + ln ln n',
      band: [log3, log3 + 2 * lnln],
      bandFormula: '[log3 n, log3 n + 2 ln ln n]',
    };
  }
  const push = Math.log2(n) + Math.log(n);
  return {
    rounds: push,
    formula: 'log2 n + ln n',
    band: [push - 2, push + 2],
    bandFormula: 'log2 n + ln n ± 2',
  };
}

/** Whether a measured spread lies in the band (inclusive). */
export function inBand(t: Theory, measured: number): boolean {
  return measured >= t.band[0] && measured <= t.band[1];
}
